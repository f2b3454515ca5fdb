"""Everything derived from shared/topology.py agrees with it, and it with the contract.

The ACL users, the handlers' accepted types, the AsyncAPI documents, the
README's services table, and CONTRACT 4's tables of streams and publishers.
"""

import importlib
import re
from pathlib import Path

import pytest
import yaml

from shared import acl, topology
from wsis import asyncapi, readme_table

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "CONTRACT.md"
HANDLERS = {"submission": "SubmissionHandler", "eligibility": "EligibilityHandler", "voting": "VotingHandler",
            "judging": "JudgingHandler", "notify": "NotifyHandler"}


# --- CONTRACT 4, as its tables say it ---------------------------------------------


def names_in(cell: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([^`]+)`", cell))


def contract_tables() -> list[list[list[str]]]:
    """The tables of CONTRACT section 4, each a list of rows of cells (header and rule left out)."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text[text.index("## 4. Streams"):text.index("## 5. Events")]
    tables, current = [], []
    for line in section.split("\n") + [""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current[2:])
            current = []
    return tables


def contract_streams() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{stream: (written by, event types)} from the contract's stream table."""
    return {names_in(stream)[0]: (writer, names_in(types)) for stream, writer, types in contract_tables()[0]}


def contract_publishers() -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """{user: (appends to, reads)} from the contract's table of publishers' access."""
    found = {}
    for user, appends, reads in contract_tables()[1]:
        if reads.startswith("every stream except"):
            readable = frozenset(s for s in contract_streams() if s not in names_in(reads))
        else:
            readable = frozenset(names_in(reads))
        found[names_in(user)[0]] = (names_in(appends), readable)
    return found


def test_the_contracts_streams_are_the_topologys_in_order():
    assert list(contract_streams()) == list(topology.STREAMS)
    assert set(topology.ALL) == set(topology.STREAMS) | set(topology.INTERNAL_STREAMS)
    assert not set(topology.STREAMS) & set(topology.INTERNAL_STREAMS)


@pytest.mark.parametrize("stream", topology.INTERNAL_STREAMS.values(), ids=lambda s: s.name)
def test_an_internal_copy_carries_types_of_its_source_and_has_its_writer(stream):
    source = topology.STREAMS[stream.copy_of]
    assert set(stream.types) < set(source.types)
    assert topology.TOPOLOGY.writers(stream.name) == topology.TOPOLOGY.writers(source.name) == [stream.writer]
    assert stream in topology.COPIES[source.name]


@pytest.mark.parametrize("stream", topology.STREAMS)
def test_each_streams_writer_and_types_are_the_contracts(stream):
    writer, types = contract_streams()[stream]
    declared = topology.STREAMS[stream]
    assert types == declared.types
    # "judging service only; readable by notify only": the writer is what comes before the ";".
    assert writer.split(";")[0] in (declared.writer, f"{declared.writer} service only")


def test_the_publishers_access_is_the_contracts():
    declared = {g.user: (g.writes, frozenset(g.reads)) for g in topology.PUBLISHERS}
    assert declared == contract_publishers()
    assert all(not g.group for g in topology.PUBLISHERS)


def test_only_notify_reads_the_sealed_stream_and_only_judging_writes_it():
    assert topology.TOPOLOGY.readers(topology.SEALED_JUDGING) == ["notify"]
    assert topology.TOPOLOGY.writers(topology.SEALED_JUDGING) == ["judging"]
    assert not [g.user for g in topology.PUBLISHERS if topology.SEALED_JUDGING in g.reads]


@pytest.mark.parametrize("stream", topology.OUTBOUND)
def test_each_outbound_stream_has_one_writer_the_one_the_contract_names(stream):
    assert topology.TOPOLOGY.writers(stream) == [topology.STREAMS[stream].writer]


@pytest.mark.parametrize("service", topology.SERVICES.values(), ids=lambda s: s.name)
def test_a_service_reads_and_publishes_only_types_of_its_streams(service):
    for given in service.inputs:
        assert given.accepts <= set(topology.DECLARED[given.stream].types), given.stream
        assert not given.handles & given.passes, given.stream
    for out in service.outputs:
        assert set(out.types) <= set(topology.DECLARED[out.stream].types), out.stream


@pytest.mark.parametrize("service", topology.SERVICES.values(), ids=lambda s: s.name)
def test_a_service_handles_or_lets_pass_every_type_of_its_input_streams(service):
    """A type of the contract on a stream it reads is never dead-lettered."""
    for given in service.inputs:
        assert given.accepts == set(topology.DECLARED[given.stream].types), given.stream


# --- the Redis ACL users ------------------------------------------------------------


def keys_of(rules: list[str]) -> tuple[set[str], set[str]]:
    """The keys a user may append to (root rules) and read (its one selector)."""
    root = {r[1:] for r in rules if r.startswith("~")}
    selectors = [r for r in rules if r.startswith("(")]
    read = {word[1:] for s in selectors for word in s.strip("()").split() if word.startswith("~")}
    return root, read


def test_the_acl_users_are_the_services_and_the_ticker():
    assert acl.USERS == (*topology.SERVICES, topology.TICKER.user)
    assert acl.GRANT_OF[topology.TICKER.user] == topology.TICKER


@pytest.mark.parametrize("service", topology.SERVICES.values(), ids=lambda s: s.name)
def test_a_services_acl_user_has_exactly_the_keys_of_its_reads_and_writes(service):
    grant = acl.GRANT_OF[service.name]
    assert (grant.reads, grant.writes) == (service.reads, service.writes)
    appends, reads = keys_of(acl.rules(grant))
    assert appends == {*(o.stream for o in service.outputs), topology.DEADLETTER}
    # Besides its inputs, a writer of an internal copy reads it back (XRANGE alone) at start.
    copies = {o.stream for o in service.outputs if o.stream in topology.INTERNAL_STREAMS}
    assert reads == {i.stream for i in service.inputs} | copies
    if copies:
        assert f"({' '.join(f'~{s}' for s in sorted(copies))} +xrange)" in acl.rules(grant)


def test_the_tickers_acl_user_may_append_to_the_clock_and_nothing_else():
    assert keys_of(acl.rules(acl.GRANT_OF["ticker"])) == ({topology.IN_CLOCK}, set())


# --- the handlers ---------------------------------------------------------------------


@pytest.mark.parametrize("name", topology.SERVICES)
def test_each_handler_accepts_what_the_topology_says(name):
    try:
        handler = getattr(importlib.import_module(f"services.{name}.handler"), HANDLERS[name], None)
    except ModuleNotFoundError:
        handler = None
    if name == "voting" and not hasattr(handler, "accepts"):
        pytest.skip("voting's handler class does not declare its accepted types yet")
    assert {s: frozenset(k) for s, k in handler.accepts.items()} == topology.SERVICES[name].accepts


# --- the AsyncAPI documents and the README ----------------------------------------------


def test_the_asyncapi_documents_are_current():
    assert asyncapi.stale() == [], "stale documents under docs/asyncapi/; run `uv run wsis asyncapi`"


def test_the_asyncapi_documents_together_name_every_stream_and_event_type_of_the_contract():
    documents = [yaml.safe_load((asyncapi.DOCS / f"{n}.yaml").read_text(encoding="utf-8")) for n in asyncapi.NAMES]
    channels = {c["address"]: set(c["messages"]) for d in documents for c in d["channels"].values()}
    kinds = {m["name"] for d in documents for m in d["components"]["messages"].values()}
    streams = contract_streams()
    internal = {s.name: set(s.types) for s in topology.INTERNAL_STREAMS.values()}
    assert set(channels) == set(streams) | set(internal)
    assert channels == {stream: set(types) for stream, (_, types) in streams.items()} | internal
    assert kinds == {kind for _, types in streams.values() for kind in types}


def test_each_service_document_receives_its_inputs_and_sends_its_outputs():
    for service in topology.SERVICES.values():
        ops = yaml.safe_load((asyncapi.DOCS / f"{service.name}.yaml").read_text(encoding="utf-8"))["operations"]
        by_action = {a: {op["channel"]["$ref"].split("/")[-1] for op in ops.values() if op["action"] == a} for a in ("receive", "send")}
        assert by_action["receive"] == {asyncapi.channel_id(s) for s in service.reads}
        assert by_action["send"] == {asyncapi.channel_id(s) for s in service.writes}


def test_the_readme_services_table_consumes_what_the_topology_says():
    wrong = readme_table.differences(readme_table.README.read_text(encoding="utf-8"))
    assert not wrong, "README.md's services table (run `uv run wsis asyncapi`):\n" + "\n".join(wrong)


def test_the_readme_table_is_rewritten_with_the_topologys_streams():
    text = readme_table.README.read_text(encoding="utf-8")
    broken = text.replace(readme_table.consumes(topology.VOTING), "`wsis:in:ballots`, clock", 1)
    assert readme_table.differences(broken) == [f"voting: consumes should read {readme_table.consumes(topology.VOTING)}"]
    assert readme_table.with_topology(broken) == text


# --- one declaration ------------------------------------------------------------------

STREAM_NAME = re.compile(r"wsis:(in|out|sealed|deadletter)\b")


def test_no_stream_name_is_spelled_in_the_services_or_shared_code_but_in_the_topology():
    files = [p for top in ("services", "shared") for p in (ROOT / top).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    spelled = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        if path != ROOT / "shared" / "topology.py"
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").split("\n"), 1)
        if STREAM_NAME.search(line)
    ]
    assert not spelled, "name streams through shared.topology:\n" + "\n".join(spelled)


@pytest.mark.parametrize("name", list(topology.SERVICES))
def test_a_service_subscribes_to_exactly_its_inputs_and_declares_exactly_its_outputs(name):
    """The wiring is derived from the topology: a FastStream subscriber or a hot-path lane per input, once."""
    service = importlib.import_module(f"services.{name}.app").build()
    spec = topology.SERVICES[name]
    subscribed = [sub.stream_sub.name for sub in service.broker.subscribers]
    read = subscribed + list(service.lane_specs)
    assert len(read) == len(set(read)), f"{name} reads a stream twice: {read}"
    assert sorted(read) == sorted(spec.reads)
    assert sorted(service.lane_specs) == sorted(given.stream for given in spec.inputs if given.bulk)
    assert all(sub.stream_sub.group == name for sub in service.broker.subscribers)
    declared = [publisher.stream.name for publisher in service.broker.publishers]
    assert sorted(declared) == sorted(output.stream for output in spec.outputs)


def test_a_group_named_after_a_service_that_no_longer_reads_the_stream_is_stale():
    groups = ["judging", "notify", "voting", "restore", "someone-elses"]
    assert topology.stale_groups(topology.OUT_VOTING, groups) == ["judging", "notify", "voting"]
    assert topology.stale_groups(topology.VOTING_REPORTS, groups) == ["voting"]
    assert topology.stale_groups(topology.IN_BALLOTS, ["voting"]) == []
