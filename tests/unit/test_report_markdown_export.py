"""The report's Markdown export prints ids and titles as they are: no text of a
publisher's breaks a table, or makes a heading, a link, emphasis or HTML."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from report import export, publication_files
from report import markdown as report_markdown

HOSTILE = "a|b *bold* #1 <script>x</script> [link](http://e.org)\n# heading\n| cell |"


def view(hostile: str) -> dict:
    return {
        "contest": f"WSIS {hostile}",
        "phase": "voting",
        "announced": True,
        "entries": {"by_outcome": {"eligible": 2}, "screened": 2, "failed_rules": {f"S7 {hostile}": 1}},
        "votes": {"accepted": 3, "rejected": {"invalid_ballot": 1}, "answered": 4},
        "weeks": [{"week": 1}],
        "categories": [
            {
                "category": 4,
                "action_line": "C4",
                "title": hostile,
                "nominees": 20,
                "votes_per_week": [3],
                "finalists": [{"submission_id": hostile, "votes": 3}, {"submission_id": "plain", "votes": 1}],
                "winner": hostile,
            }
        ],
        "emails": {"sent": {"received": 2}},
    }


def _rendered(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


def test_hostile_ids_and_titles_leave_every_table_row_whole():
    page = _rendered(export.markdown(view(HOSTILE)))
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        header = row.count("<th")
        assert header in (0, 2, 5) if header else row.count("<td") in (2, 5)
    result_rows = [r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "plain" in r]
    assert len(result_rows) == 1 and result_rows[0].count("<td") == 5


def test_hostile_ids_and_titles_make_no_markup():
    page = _rendered(export.markdown(view(HOSTILE)))
    assert "<script>" not in page and "<em>" not in page and "<a " not in page
    assert page.count("<h1>") == 1 and "<h1>heading" not in page
    assert "&lt;script&gt;" in page and "*bold*" in page and "[link](http://e.org)" in page


def test_the_finalists_id_is_printed_as_it_is():
    page = _rendered(export.markdown(view(HOSTILE)))
    assert "a|b *bold* #1 &lt;script&gt;x&lt;/script&gt; [link](http://e.org) # heading | cell | (3, winner)" in page


def test_the_report_and_the_publications_share_one_escaper():
    assert publication_files.escape_md is report_markdown.escape_md
    assert publication_files.cell is report_markdown.cell
    assert export.cell is report_markdown.cell
