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
