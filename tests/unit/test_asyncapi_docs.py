"""docs/asyncapi/ is what the code generates: regenerate with `uv run wsis asyncapi`."""

import pytest

from wsis import asyncapi
from wsis.cli import available_services


@pytest.mark.parametrize("service", available_services())
def test_the_committed_asyncapi_document_is_current(service):
    path = asyncapi.DOCS / f"{service}.yaml"
    assert path.is_file(), f"no {path}; run `uv run wsis asyncapi`"
    assert path.read_text(encoding="utf-8") == asyncapi.render(service), f"{path} is stale; run `uv run wsis asyncapi`"


def test_inbound_channels_document_their_cloudevents():
    spec = asyncapi.document("submission")
    payload = spec["components"]["messages"]["wsis:in:submissions:SubscribeMessage"]["payload"]
    assert payload["properties"]["type"]["const"] == "wsis.submission.submitted"
    assert "SubmissionSubmitted" in spec["components"]["schemas"]
