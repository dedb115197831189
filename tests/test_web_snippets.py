"""render_snippet: engines hand over text and highlight spans; the web layer alone makes markup,
and nothing but <mark> comes out of it, whatever the report's text holds."""
import bleach
import pytest

from gikportal import segment
from gikportal.web.common import render_snippet

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> 行政复议 & "引号" \'单\' <b>粗</b>'


def bleached(html):
    return bleach.clean(html, tags=["mark"], attributes={}, strip=True)


@pytest.mark.parametrize("text,spans,expected", [
    ("依申请公开行政复议案件", [(5, 9)], "依申请公开<mark>行政复议</mark>案件"),
    ("<b>x</b>", [(3, 4)], "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"),
    ("a & b", [], "a &amp; b"),
    ("ab", [(0, 1), (1, 2)], "<mark>a</mark><mark>b</mark>"),
    ("abc", [(1, 9), (2, 1), (0, 2), (1, 3)], "<mark>ab</mark>c"),  # out of range, empty, overlapping: dropped
    ("", [], ""),
])
def test_spans_become_marks_and_text_is_escaped(text, spans, expected):
    snippet = {"text": text, "spans": [{"start": s, "end": e} for s, e in spans]}
    assert str(render_snippet(snippet)) == expected


def test_real_snippets_of_hostile_text_keep_only_marks():
    sections = [{"n": 5, "anchor": "s5", "heading": "五", "text": HOSTILE * 3}]
    [snippet] = segment.snippets(sections, ["行政复议", "script"], limit=1)
    html = str(render_snippet(snippet))
    assert html == bleached(html)
    assert "<mark>行政复议</mark>" in html and "&lt;<mark>script</mark>&gt;" in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html
