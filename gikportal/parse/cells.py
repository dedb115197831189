"""Reading one table cell or label: OCR look-alikes, full-width digits, zero-like marks."""
import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
# simplified characters that t2s still rewrites (乾县 -> 干县); place names need them kept
_KEEP = re.compile("[乾]")

ZERO = "zero"          # a printed zero-like mark: empty, /, -, —, 无
_ZERO_MARKS = {"/", "-", "—", "–", "——", "--", "－", "―", "无", "\\", "0.00", "0.0", "持平", "无变化"}
_CHANGE = re.compile(r"^(增加|增|减少|减)(\d+)$")  # 本年增/减 of the 2019-2020 table 2
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_CYRILLIC_ZERO = str.maketrans({"О": "0", "о": "0", "Ｏ": "0"})
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_SPACE = re.compile(r"\s+")
_UNIT = re.compile(r"(?<=\d)(?:万元|元|件|条|个|项|次)$")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_SPACE = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")


def to_simplified(strings):
    """Convert many strings to simplified characters in one OpenCC call (cheap)."""
    strings = [s.replace("\n", " ") for s in strings]
    if not strings:
        return []
    joined = "\n".join(strings)
    converted = _T2S.convert(joined)
    if _KEEP.search(joined) and len(converted) == len(joined):
        chars = list(converted)
        for m in _KEEP.finditer(joined):
            chars[m.start()] = m.group()
        converted = "".join(chars)
    out = converted.split("\n")
    return out if len(out) == len(strings) else [_T2S.convert(s) for s in strings]


def tidy(text):
    """Whitespace-normalise a printed line: no spaces next to CJK characters, single spaces elsewhere."""
    return _CJK_SPACE.sub("", _SPACE.sub(" ", text)).strip()


@lru_cache(maxsize=8192)
def key(text):
    """Matching form of a label: NFKC (full-width -> ASCII), no whitespace, unified quotes."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub("", text).replace("“", '"').replace("”", '"')


@lru_cache(maxsize=8192)
def value(cell):
    """Return an int/float, ZERO for a zero-like mark, '' for an empty cell, or None for text."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", cell or ""))
    if not text:
        return ""
    if text in _ZERO_MARKS:
        return ZERO
    text = _UNIT.sub("", text.translate(_CYRILLIC_ZERO).replace(",", "").replace("，", ""))
    change = _CHANGE.match(text)
    if change:
        return int(change.group(2)) * (-1 if change.group(1).startswith("减") else 1)
    if not _NUMBER.fullmatch(text):
        if any(c.isdigit() for c in text) or text in ("O", "o"):
            text = text.translate(_LOOKALIKE)
        if not _NUMBER.fullmatch(text):
            return None
    if "." in text:
        return float(text)
    return int(text)


def char_overlap(canonical, text):
    """Share of the canonical wording's characters found in text (each used once): OCR-tolerant."""
    pool = list(text)
    hits = 0
    for ch in canonical:
        if ch in pool:
            pool.remove(ch)
            hits += 1
    return hits / len(canonical) if canonical else 0.0
