"""compose.yaml stays a valid Compose file with the services the design names."""

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
# The Compose Specification's JSON schema (compose-spec project, Apache-2.0).
SCHEMA = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())


def test_compose_yaml_validates_against_the_compose_specification():
    jsonschema.validate(COMPOSE, SCHEMA)


def test_there_is_valkey_postgres_a_container_per_service_from_one_image_and_the_ticker():
    services = COMPOSE["services"]
    assert {"valkey", "postgres", "submission", "eligibility", "voting", "judging", "notify", "ticker"} <= set(services)
    for name in ("submission", "eligibility", "voting", "judging", "notify"):
        assert services[name]["command"] == ["run", name]
        assert services[name]["image"] == "wsis-prizes:latest"
        assert services[name]["healthcheck"]["test"][-1] == name
    assert all("healthcheck" in services[name] for name in ("valkey", "postgres"))


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
