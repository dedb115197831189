"""Decoding and the text layouts of the seeds (Markdown, tab-separated, one cell per line)."""
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from gikportal.document import ExtractionError, Table
from gikportal.extract.text import decode, read_text_document
from gikportal.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "samples").glob("*.txt"))
IDS = [p.stem[:3] for p in SEEDS]


def seed(prefix):
    return next(p for p in SEEDS if p.name.startswith(prefix))


def tables(doc):
    return [b for b in doc.blocks if isinstance(b, Table)]


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be-bom", "gb18030", "gbk"])
def test_encodings_give_the_same_text(path, codec):
    text = path.read_text(encoding="utf-8")
    if codec == "gbk":
        text = text.replace("\xa0", " ")  # GBK has no no-break space
    if codec == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(codec)
    assert data != text.encode("utf-8")
    assert decode(data) == text


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_gbk_file_parses_like_utf8(path):
    text = path.read_text(encoding="utf-8").replace("\xa0", " ")
    a = parse_document(read_text_document(text.encode("utf-8")))
    b = parse_document(read_text_document(text.encode("gbk")))
    assert a == b


def test_old_mac_line_ends():
    text = seed("001").read_text(encoding="utf-8")
    doc = read_text_document(text.replace("\n", "\r").encode("utf-8"))
    assert doc.blocks == read_text_document(text.encode("utf-8")).blocks


def test_nul_bytes_are_dropped():
    text = seed("002").read_text(encoding="utf-8")
    data = text.encode("utf-8").replace("年度报告".encode(), "年度\x00报告".encode())
    assert decode(data) == text


@pytest.mark.parametrize("data", [b"", b"  \n\r\n ", b"\x00\x00\x00"], ids=["empty", "blank", "nul"])
def test_empty_input_is_an_extraction_error(data):
    with pytest.raises(ExtractionError) as err:
        decode(data)
    assert "\n" not in str(err.value) and "空" in str(err.value)


def test_binary_input_is_an_extraction_error():
    rng = random.Random(7)
    data = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises(ExtractionError) as err:
        read_text_document(data)
    message = str(err.value)
    assert message and "\n" not in message
    assert any("\u4e00" <= c <= "\u9fff" for c in message)


def test_markdown_tables_become_grids():
    doc = read_text_document(seed("000").read_bytes())
    grids = tables(doc)
    assert len(grids) == 3
    assert grids[0].rows[0][:2] == ["第二十条第（一）项", ""]
    assert ["规章", "0", "0", "0"] in grids[0].rows
    assert not any(set("".join(r)) <= set("-|: ") for g in grids for r in g.rows)  # separator rows dropped
    assert grids[2].rows[-1] == ["0"] * 15


def test_tab_separated_rows_become_grids():
    doc = read_text_document(seed("001").read_bytes())
    grids = tables(doc)
    assert len(grids) == 3
    assert ["行政规范性文件", "7", "3", "108"] in grids[0].rows
    assert grids[1].rows[3][:9] == ["一、本年新收政府信息公开申请数量", "", "10", "1", "0", "0", "0", "0", "11"]
    assert grids[2].rows[-1][:5] == ["1", "0", "0", "0", "1"]


def test_one_cell_per_line_docx_text():
    doc = read_text_document(seed("004").read_bytes())
    grids = tables(doc)
    assert len(grids) == 3
    cells = [c for g in grids for r in g.rows for c in r]
    assert "自然人" in cells                       # "自\n然\n人" joined
    assert "（五）不予处理" in cells                # a tab-less line continues the empty cell before it
    assert not any("bookmark" in c for c in cells)
    assert grids[0].rows[2] == ["规章", "0", "0", "0"]
    assert grids[0].rows[3] == ["规范性文件", "0", "0", "6"]
    petition = next(r for r in grids[1].rows if "1.信访举报投诉类申请" in r)
    assert petition[:3] == ["", "（五）不予处理", "1.信访举报投诉类申请"]
    assert grids[2].rows[-1] == ["0"] * 15


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_text_lines_are_stripped_one_per_line(path):
    doc = read_text_document(path.read_bytes())
    lines = [b for b in doc.blocks if isinstance(b, str)]
    assert lines and all(line == line.strip() and line and "\n" not in line for line in lines)
    assert not any("\t" in line or line.startswith("|") for line in lines)


def test_docx_title_and_signature_are_lines():
    doc = read_text_document(seed("004").read_bytes())
    lines = [b for b in doc.blocks if isinstance(b, str)]
    assert lines[:2] == ["邢台高新区党政综合办公室", "政府信息公开工作年度报告"]
    assert lines[-3:] == ["河北邢台高新技术产业开发区", "（邢东新区）党政综合办公室", "2025年1月6日"]


@pytest.mark.parametrize("path", SEEDS, ids=IDS)
def test_traditional_characters_give_the_same_figures(path):
    text = path.read_text(encoding="utf-8")
    traditional = OpenCC("s2t").convert(text)
    assert traditional != text
    a = parse_document(read_text_document(text.encode("utf-8")))
    b = parse_document(read_text_document(traditional.encode("utf-8")))
    for field in ("agency", "year", "published", "region", "format", "stats", "checks", "warnings"):
        assert b[field] == a[field], field
    assert [s["n"] for s in b["sections"]] == [s["n"] for s in a["sections"]]
    assert b["title"] == OpenCC("s2t").convert(a["title"])


def test_place_names_survive_simplification():
    text = seed("002").read_text(encoding="utf-8").replace("焦作市卫生健康委员会", "咸阳市乾县教育局")
    for variant in (text, OpenCC("s2t").convert(text)):
        rec = parse_document(read_text_document(variant.encode("utf-8")))
        assert rec["agency"] == "咸阳市乾县教育局"
        assert rec["region"] == {"province": "陕西省", "city": "咸阳市", "county": "乾县"}


def test_noisy_ocr_gbk_text_still_decodes():
    """A GBK OCR report (tabs, Cyrillic О) that charset-normalizer's default pass rejects."""
    data = (ROOT / "gikportal" / "data" / "parse_noisy_gbk.txt").read_bytes()
    text = decode(data)
    assert text == data.decode("gb18030")
    rec = parse_document(read_text_document(data))
    assert rec["agency"] == "青岛市教育局" and rec["year"] == 2020
    assert rec["stats"]["requests"]["new_received"]["total"] == 2


def test_tab_indented_paragraphs_and_stray_tabs_stay_text():
    data = "一、总体情况\t\n\n\t2024年，本机关收到申请3件。\n\n| 规章 | 0 | 0 | 0\n".encode("utf-8")
    doc = read_text_document(data)
    assert doc.blocks[:2] == ["一、总体情况", "2024年，本机关收到申请3件。"]
    assert isinstance(doc.blocks[2], Table) and doc.blocks[2].rows == [["规章", "0", "0", "0"]]


_PIECES = list("\t|\n -—:0123456789О一二三、（）()总计规章行政许可本年新收申请自然人") + \
    ["\r\n", "\u3000", "\xa0", "[bookmark: _GoBack]", "年度报告", "信息公开", "|---|---|"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=200).map("".join))
def test_any_text_gives_a_document_or_a_clear_error(text):
    try:
        doc = read_text_document(text.encode("utf-8"))
    except ExtractionError as err:
        assert str(err) and "\n" not in str(err)
        return
    for block in doc.blocks:
        if isinstance(block, Table):
            assert block.rows and len({len(r) for r in block.rows}) == 1
        else:
            assert block and block == block.strip() and "\n" not in block
    assert parse_document(doc)["checks"]
