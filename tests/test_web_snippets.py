"""safe_snippet: the fast path gives exactly what bleach gives, and nothing but <mark> survives."""
import bleach
import pytest

from gikportal import segment
from gikportal.web.common import safe_snippet

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> 行政复议 & "引号" \'单\' <b>粗</b>'


def bleached(html):
    return bleach.clean(html, tags=["mark"], attributes={}, strip=True)


@pytest.mark.parametrize("html", [
    "…依申请公开<mark>行政复议</mark>案件 &amp; &lt;b&gt; &quot;x&quot; &#x27;y&#x27;…",
    "<mark>a</mark><mark>b</mark>",
    "",
    "<mark onclick=\"x()\">a</mark>",
    "<script>alert(1)</script>",
    "a & b",
    "<mark>a",
    "<img src=x onerror=alert(1)>",
    "&lt;script&gt;<mark>x</mark>",
    "<MARK>x</MARK>",
    "x</mark>",
])
def test_same_as_bleach(html):
    assert str(safe_snippet(html)) == bleached(html)


def test_real_snippets_of_hostile_text_keep_only_marks():
    sections = [{"n": 5, "anchor": "s5", "heading": "五", "text": HOSTILE * 3}]
    [snippet] = segment.snippets(sections, ["行政复议"], limit=1)
    html = str(safe_snippet(snippet["html"]))
    assert html == bleached(snippet["html"])
    assert "<mark>行政复议</mark>" in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html
