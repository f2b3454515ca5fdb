"""Logs never carry an email address or a person's name."""

import json

from shared.logs import configure_logging, get_logger


def test_log_lines_are_json_with_the_service_and_mask_personal_data(capsys):
    configure_logging("submission", "INFO", "json")
    get_logger().info("submission.received", event_id="e-1", email="amina@example.org", note="write to amina@example.org", name="Amina")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["service"] == "submission" and line["event_id"] == "e-1" and line["event"] == "submission.received"
    assert "amina" not in json.dumps(line).lower()


def test_standard_library_logs_are_rendered_the_same_way(capsys):
    import logging

    configure_logging("voting", "INFO", "json")
    logging.getLogger("faststream.test").warning("cannot reach bob@example.org")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["service"] == "voting" and "bob@" not in line["event"]


def test_a_library_exception_is_logged_with_its_traceback_as_text(capsys):
    import logging

    configure_logging("judging", "INFO", "json")
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("sqlalchemy.pool").exception("connection failed")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["service"] == "judging" and line["event"] == "connection failed"
    assert line["exception"].startswith("Traceback (most recent call last)") and "KeyError: 'missing'" in line["exception"]
    assert "exc_info" not in line


class _Writes:
    """A stderr that remembers each `write` call on its own."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_each_line_is_one_write_so_processes_sharing_a_file_never_splice(monkeypatch):
    import logging

    stderr = _Writes()
    monkeypatch.setattr("sys.stderr", stderr)
    configure_logging("notify", "INFO", "json")
    get_logger().info("mail.sent", detail="x" * 20_000)  # longer than any buffer
    logging.getLogger("faststream.test").warning("a library line")
    assert len(stderr.calls) == 2
    assert all(call.endswith("\n") and call.count("\n") == 1 for call in stderr.calls)
    assert [json.loads(call)["service"] for call in stderr.calls] == ["notify", "notify"]


def test_another_service_is_named_under_child_while_a_persons_name_stays_redacted(capsys):
    configure_logging("supervisor", "INFO", "json")
    get_logger().info("service.spawned", child="voting", pid=42, name="Amina")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["child"] == "voting" and line["pid"] == 42 and line["name"] == "[redacted]"
