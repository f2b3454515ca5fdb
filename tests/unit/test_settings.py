"""Settings fail fast on bad values."""

import pytest
from pydantic import ValidationError

from shared.settings import Settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WSIS_REDIS_URL", "http://localhost:6379"),
        ("WSIS_DATABASE_URL", "mysql://x"),
        ("WSIS_SMTP_URL", "localhost:25"),
        ("WSIS_CONTEST_FILE", "/nonexistent/contest.yaml"),
        ("WSIS_BATCH_SIZE", "0"),
        ("WSIS_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as error:
        Settings()
    assert variable.removeprefix("WSIS_").lower() in str(error.value)


def test_a_running_up_is_found_through_its_data_dir(tmp_path):
    (tmp_path / "valkey").mkdir()
    (tmp_path / "valkey" / "url").write_text("redis://127.0.0.1:41234\n")
    assert Settings(data_dir=tmp_path).bus_url() == "redis://127.0.0.1:41234"
    assert Settings(data_dir=tmp_path, redis_url="redis://elsewhere:6379").bus_url() == "redis://elsewhere:6379"
