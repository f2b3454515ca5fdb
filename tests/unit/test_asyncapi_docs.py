"""docs/asyncapi/ is valid AsyncAPI 3.0 and current: regenerate with `uv run wsis asyncapi`.

The official schema is vendored in tests/data/ (see its README), so this
runs offline.
"""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import ValidationError

from shared import topology
from shared.envelope import outbound, parse_entry
from shared.events import T, VoteAccepted
from wsis import asyncapi

ASYNCAPI_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "asyncapi-3.0.0.json"


@pytest.fixture(scope="module")
def asyncapi_validator() -> Draft7Validator:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def committed(name: str) -> dict:
    return yaml.safe_load((asyncapi.DOCS / f"{name}.yaml").read_text(encoding="utf-8"))


def pointer(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def all_refs(node) -> list[str]:
    if isinstance(node, dict):
        return [*([node["$ref"]] if "$ref" in node else []), *(r for v in node.values() for r in all_refs(v))]
    if isinstance(node, list):
        return [r for v in node for r in all_refs(v)]
    return []


def event_against(document: dict, kind: str, event: dict) -> None:
    """Validate `event` against the payload of message `kind`, its `$ref`s resolved in the document."""
    schema = {"$ref": f"#/components/messages/{kind}/payload", "components": document["components"]}
    Draft202012Validator(schema).validate(event)


@pytest.mark.parametrize("name", asyncapi.NAMES)
def test_the_committed_document_is_current(name):
    path = asyncapi.DOCS / f"{name}.yaml"
    assert path.is_file(), f"no {path}; run `uv run wsis asyncapi`"
    assert path.read_text(encoding="utf-8") == asyncapi.render(name), f"{path} is stale; run `uv run wsis asyncapi`"


def test_no_document_is_left_over_from_a_name_no_longer_declared():
    assert sorted(p.stem for p in asyncapi.DOCS.glob("*.yaml")) == sorted(asyncapi.NAMES)


@pytest.mark.parametrize("name", asyncapi.NAMES)
def test_each_document_is_valid_asyncapi_3(name, asyncapi_validator):
    errors = sorted(asyncapi_validator.iter_errors(committed(name)), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5])


@pytest.mark.parametrize("name", asyncapi.NAMES)
def test_every_reference_resolves_inside_its_document(name):
    document = committed(name)
    for ref in all_refs(document):
        pointer(document, ref)


@pytest.mark.parametrize("name", asyncapi.NAMES)
def test_operations_use_only_their_channels_messages(name):
    document = committed(name)
    for op_id, op in document["operations"].items():
        channel = op["channel"]["$ref"]
        for message in op["messages"]:
            assert message["$ref"].startswith(channel + "/messages/"), op_id
            pointer(document, message["$ref"])


@pytest.mark.parametrize("name", asyncapi.NAMES)
def test_every_payload_is_a_json_schema_of_a_cloudevent_of_its_type(name):
    document = committed(name)
    for kind, message in document["components"]["messages"].items():
        payload = message["payload"]
        Draft202012Validator.check_schema(payload)
        assert payload["properties"]["type"] == {"const": kind}
        assert {"specversion", "id", "source", "type", "time", "data"} <= set(payload["required"])


def test_a_ballot_as_published_matches_its_schema_and_a_wrong_one_does_not():
    document = committed("voting")
    ballot = {
        "specversion": "1.0", "id": "b-1", "source": "frontend", "type": T.BALLOT_CAST,
        "time": "2021-03-02T10:00:00+01:00", "data": {"voter_id": "m1", "category": 3, "project_id": "p1"},
    }
    event_against(document, T.BALLOT_CAST, ballot)
    with pytest.raises(ValidationError):
        event_against(document, T.BALLOT_CAST, {**ballot, "data": {**ballot["data"], "category": 19}})
    with pytest.raises(ValidationError):
        event_against(document, T.BALLOT_CAST, {**ballot, "type": T.VOTE_ACCEPTED})


def test_an_answer_as_a_service_builds_it_matches_its_schema():
    ballot = parse_entry(
        b'{"specversion":"1.0","id":"b-1","source":"frontend","type":"wsis.ballot.cast",'
        b'"time":"2021-03-02T10:00:00+01:00","data":{"voter_id":"m1","category":3,"project_id":"p1"}}'
    )
    answer = outbound(T.VOTE_ACCEPTED, "wsis/voting", VoteAccepted(ballot_id="b-1", voter_id="m1", category=3, project_id="p1"), ballot)
    event_against(committed("voting"), T.VOTE_ACCEPTED, json.loads(answer.to_json()))


def test_events_the_services_publish_require_their_cause():
    payload = committed("voting")["components"]["messages"][T.VOTE_ACCEPTED]["payload"]
    assert "causationid" in payload["required"]
    inbound = committed("voting")["components"]["messages"][T.BALLOT_CAST]["payload"]
    assert "causationid" not in inbound["required"]


def test_the_hot_paths_are_documented_with_their_payloads():
    document = committed("voting")
    channels = {c["address"] for c in document["channels"].values()}
    assert {topology.IN_BALLOTS, topology.IN_STAKEHOLDERS, topology.IN_CLOCK, topology.OUT_VOTING} <= channels
    data = document["components"]["messages"][T.BALLOT_CAST]["payload"]["properties"]["data"]
    assert pointer(document, data["$ref"])["required"] == ["voter_id", "category", "project_id"]


def test_the_command_finds_nothing_stale():
    from typer.testing import CliRunner

    from wsis.cli import cli

    result = CliRunner().invoke(cli, ["asyncapi", "--check"])
    assert result.exit_code == 0, result.output
