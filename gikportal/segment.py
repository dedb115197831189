"""Engine-neutral Chinese text analysis: folding, jieba tokens, highlighted snippets.

Indexing uses jieba's search mode (行政复议 -> 行政, 复议, 行政复议) and queries use precise mode
(行政复议 stays one word), as Elasticsearch's IK plugin pairs ik_max_word with ik_smart. Sub-words
share the position of the precise word that contains them, so a phrase of precise words matches
the same run of text in the index; neighbouring precise words are also indexed as "a b" and
"a b c" shingles, which is how phrases are matched. Folding keeps the string length, so offsets found in folded
text are offsets in the original text (highlighting never cuts a character in half).
"""
import bisect
import re
import threading
import unicodedata
from collections import Counter
from pathlib import Path

USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"
_WORDISH = re.compile(r"\w", re.UNICODE)
_LATIN_WORD = re.compile(r"[0-9a-z]")


class _Engine:
    """rjieba (jieba-rs: same dictionary and algorithm, ~10x faster) or jieba as a fallback."""

    def __init__(self):
        entries = []
        for line in USERDICT.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if parts:
                entries.append((parts[0], int(parts[1]) if len(parts) > 1 else 20000,
                                parts[2] if len(parts) > 2 else "n"))
        try:
            import rjieba
            for word, freq, tag in entries:
                rjieba.add_word(word, freq, tag)
            self.tokenize = lambda text, mode="default": rjieba.tokenize(text, mode=mode)
        except ImportError:  # pragma: no cover - rjieba is in requirements.txt
            import jieba
            jieba.setLogLevel(60)
            for word, freq, tag in entries:
                jieba.add_word(word, freq, tag)
            self.tokenize = lambda text, mode="default": list(jieba.tokenize(text, mode=mode))
        import opencc
        self._t2s = opencc.OpenCC("t2s")

    def t2s(self, text):
        out = self._t2s.convert(text)
        if len(out) != len(text):  # a phrase mapping changed the length: convert char by char
            out = "".join(c if len(s := self._t2s.convert(c)) != 1 else s for c in text)
        return out


_engine = None
_engine_lock = threading.Lock()


def engine():
    """The one engine, built once: two server threads building it at once would add the user
    dictionary to rjieba while the other already segments ("Already borrowed")."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = _Engine()
    return _engine


def _nfkc_char(c):
    n = unicodedata.normalize("NFKC", c)
    return n if len(n) == 1 else c


class _NfkcTable(dict):
    """str.translate table of each character's one-character NFKC form (itself when it has
    none), filled as characters are met: folding then runs in C, not a Python call per character."""

    def __missing__(self, code):
        n = _nfkc_char(chr(code))
        value = ord(n) if len(n) == 1 else code
        if len(self) < 200_000:
            self[code] = value
        return value


_NFKC = _NfkcTable()


def fold(text):
    """Full-width -> half-width, traditional -> simplified, lower case; same length as the input."""
    if not text:
        return ""
    if not text.isascii():
        text = engine().t2s(text.translate(_NFKC))
    return text.lower()


_NON_WORD = re.compile(r"[\W_]+")


def squeeze(text):
    """Folded text without punctuation or spaces: what a run of index terms can match across."""
    return _NON_WORD.sub("", fold(text))


def _keep(token):
    return bool(_WORDISH.search(token)) and token != "_"


_PIECES = re.compile(r"[^\W_]+")


def pieces(word, start, end):
    """A token with punctuation inside (96.0914, a host name) as its word pieces."""
    if word.isalnum():
        return [(word, start, end)]
    return [(m.group(), start + m.start(), start + m.end()) for m in _PIECES.finditer(word)]


def tokens(text, mode="default"):
    """[(word, start, end)] of folded text without punctuation; a Latin run with dots
    (wjw.jiaozuo.gov.cn, one token in rjieba) is split into its words as jieba does."""
    out, seen = [], set()
    for word, start, end in engine().tokenize(text, mode=mode):
        # most tokens are letters and digits only: kept whole (what _keep and pieces make of them)
        for piece in ((word, start, end),) if word.isalnum() else pieces(word, start, end) if _keep(word) else ():
            if piece not in seen:
                seen.add(piece)
                out.append(piece)
    return out


def _search_mode(folded):
    """[(token, position, start, end, precise?)] from one search-mode pass: jieba emits the
    sub-words of a precise word right before the word itself, so a token inside the span of the
    next precise word is one of its sub-words and shares its position."""
    found = tokens(folded, mode="search")
    flags, lo, hi = [], None, None
    for _, start, end in reversed(found):
        precise = lo is None or not (lo <= start and end <= hi and (start != lo or end != hi))
        if precise:
            lo, hi = start, end
        flags.append(precise)
    flags.reverse()
    result, position = [], 0
    for (word, start, end), precise in zip(found, flags):
        result.append((word, position, start, end, precise))
        position += precise
    return result


def index_tokens(text):
    """[(token, position, start, end)] in search mode; sub-words take their precise word's position."""
    text = fold(text)
    return [t[:4] for t in _search_mode(text)] if text else []


SHINGLE = " "


def index_terms(text):
    """Terms to index: search-mode words plus "a b" shingles of neighbouring precise words, so a
    phrase of precise words is found with term lookups instead of positions."""
    text = fold(text)
    if not text:
        return []
    found = _search_mode(text)
    return [t[0] for t in found] + shingles([t[0] for t in found if t[4]])


def term_counts(text):
    """{term: frequency} of index_terms: what an index stores per field, computed once."""
    return Counter(index_terms(text))


def shingles(words):
    """The word pairs a phrase of precise words must have. Pairs, not triples: triples doubled the
    index for phrases of three words or more, which pairs already pin down in practice."""
    return [f"{a}{SHINGLE}{b}" for a, b in zip(words, words[1:])]


def query_tokens(text):
    """Precise-mode tokens of a query word or phrase (folded); punctuation dropped."""
    text = fold(text)
    return [t[0] for t in tokens(text)] if text else []


# --- snippets ---------------------------------------------------------------------------------

def _matches(folded, terms):
    """Non-overlapping (start, end) spans of the terms in folded text, longest term first."""
    spans = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        pos = folded.find(term)
        while pos >= 0:
            end = pos + len(term)
            latin = _LATIN_WORD.match(term[0]) and _LATIN_WORD.match(term[-1])
            whole = not latin or (
                (pos == 0 or not _LATIN_WORD.match(folded[pos - 1]))
                and (end == len(folded) or not _LATIN_WORD.match(folded[end])))
            if whole and not any(s < end and pos < e for s, e in spans):
                spans.append((pos, end))
            pos = folded.find(term, pos + 1)
    return sorted(spans)


def _excerpt(text, spans, lo, hi):
    """text[lo:hi] with "…" where it was cut, and the spans inside it shifted to its offsets."""
    head = "…" if lo > 0 else ""
    shift = len(head) - lo
    inside = [{"start": s + shift, "end": e + shift} for s, e in spans if s >= lo and e <= hi]
    return head + text[lo:hi].replace("\n", " ") + ("…" if hi < len(text) else ""), inside


def snippets(sections, terms, limit=3, width=80):
    """Up to `limit` excerpts with the spans of whole matched terms, best sections first.

    sections: [{"n", "anchor", "heading", "text"}]; terms: folded strings to mark. Each snippet is
    plain text and [{"start", "end"}] character offsets into it: no markup (the web layer renders).
    """
    found = []
    for sec in sections:
        text = sec.get("text") or ""
        spans = _matches(fold(text), terms)
        if spans:
            found.append((len({fold(text[s:e]) for s, e in spans}), len(spans), sec, text, spans))
    found.sort(key=lambda f: (-f[0], -f[1], f[2].get("n") or 0))
    out = []
    for _, _, sec, text, spans in found[:limit]:
        first = spans[0][0]
        lo = max(0, first - width // 3)
        newline = text.rfind("\n", lo, first)
        if newline >= 0:
            lo = newline + 1
        hi = min(len(text), lo + width)
        while hi < len(text) and any(s < hi < e for s, e in spans):
            hi += 1
        excerpt, inside = _excerpt(text, spans, lo, hi)
        out.append({"section": sec.get("n"), "anchor": sec.get("anchor") or f"s{sec.get('n')}",
                    "heading": sec.get("heading") or "", "text": excerpt, "spans": inside})
    return out
