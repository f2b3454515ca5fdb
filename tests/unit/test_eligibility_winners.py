"""S11's data file: its format and how entries are matched to it."""

from __future__ import annotations

import pytest

from services.eligibility.domain.winners import (
    Winner,
    WinnerIndex,
    WinnersFileError,
    parse_winners,
)
from shared.contest import DEFAULT_CONTEST_FILE

SAMPLE = "year,category,title,organisation\n2019,4,Digital Skills for Rural Youth,Open Schools Network\n\n2020,7,\"Portal, One-Stop\",E-Gov Agency\n"


def test_the_shipped_file_parses():
    winners = parse_winners((DEFAULT_CONTEST_FILE.parent / "previous-winners.csv").read_text())
    assert len(winners) >= 3 and all(isinstance(w, Winner) for w in winners)


def test_a_file_is_read_with_quoted_fields_and_blank_lines():
    assert parse_winners(SAMPLE) == (
        Winner(2019, 4, "Digital Skills for Rural Youth", "Open Schools Network"),
        Winner(2020, 7, "Portal, One-Stop", "E-Gov Agency"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [("title,organisation\n", "the first line must be year,category,title,organisation"),
     ("year,category,title,organisation\n2019,4,Only three\n", "line 2: 3 fields; expected 4"),
     ("year,category,title,organisation\nlast year,4,T,O\n", "line 2: year and category must be whole numbers"),
     ("year,category,title,organisation\n2019,4, ,O\n", "line 2: title and organisation must not be empty"),
     ("", "the first line must be")],
)  # fmt: skip
def test_a_malformed_file_is_refused_with_the_line(text, message):
    with pytest.raises(WinnersFileError, match=message):
        parse_winners(text)


def test_matching_ignores_case_spacing_and_punctuation():
    index = WinnerIndex.of(parse_winners(SAMPLE))
    assert index.match("DIGITAL skills for  rural youth!", " open schools network") == (parse_winners(SAMPLE)[0], True)
    assert index.match("portal one stop", "Someone Else") == (parse_winners(SAMPLE)[1], False)
    assert index.match("Digital Skills for Rural Youths", "Open Schools Network") == (None, False)
    assert index.match(None, None) == (None, False)
