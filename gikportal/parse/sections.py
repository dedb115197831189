"""Section headings: the six of the 2019+ format, or a legacy report's own numbered headings."""
import re

from .cells import char_overlap, key, tidy

_CN_NUM = "一二三四五六七八九十"
# top-level numbering: 一、 一. 一 (space) 1、 1. 第一部分 ; never the （一） of sub-headings
_TOP = re.compile(r"^(?:第([一二三四五六七八九十]{1,3})部分|([一二三四五六七八九十]{1,3})\s*[、.．，,:：]|"
                  r"([一二三四五六七八九十]{1,3})\s+|(\d{1,2})\s*[、．]|(\d{1,2})\.(?!\d))\s*")
_SENTENCE_END = re.compile(r"[。；;！!？?]$")

SECTIONS_2019 = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、收到和处理政府信息公开申请情况",
    4: "四、政府信息公开行政复议、行政诉讼情况",
    5: "五、存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}
LEGACY_HEADINGS = ("概述", "主动公开政府信息情况", "依申请公开政府信息情况", "政府信息公开的收费及减免情况",
                   "因政府信息公开申请行政复议、提起行政诉讼的情况", "存在的主要问题及改进措施",
                   "其他需要报告的事项", "附表")
_LEGACY_KEYS = {key(h).replace("、", "") for h in LEGACY_HEADINGS}


def chinese_number(text):
    """一..九十九 -> int."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    digits = {c: i + 1 for i, c in enumerate(_CN_NUM[:9])}
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(text)


def numbering(line):
    """(number or None, rest of the line) for a top-level numbered line."""
    m = _TOP.match(line)
    if not m:
        return None, line
    raw = next(g for g in m.groups() if g)
    return chinese_number(raw), line[m.end():]


def section_of(text):
    """Which 2019 section a heading text (numbering removed, simplified) names, or None."""
    k = key(text).strip(":：")
    if len(k) > 30:
        return None
    if "总体情况" in k or k in ("概述", "基本情况", "总体概述"):
        return 1
    if "主动公开政府信息" in k and "情况" in k or k == "主动公开情况":
        return 2
    if "收到和处理" in k or "处理政府信息公开申请" in k or ("依申请公开" in k and "情况" in k):
        return 3
    if "行政复议" in k and "行政诉讼" in k:
        return 4
    if "存在的主要问题" in k or "主要问题及改进" in k or "问题及改进" in k:
        return 5
    if "需要报告的事项" in k or "其他需要报告" in k or "其它需要报告" in k or k in ("其他事项", "其它事项"):
        return 6
    return None


def find_2019(lines):
    """[(line index, n, lines consumed)] of the 2019 headings found in prose lines, in order.

    A heading is numbered as its section, or is the canonical wording under any number (a
    conversion whose numbering restarts: 一、主动公开政府信息情况 is section 2); an OCR-damaged
    numbered heading is accepted by character overlap. A later exact heading replaces an
    earlier loose match of the same number (a sub-heading such as "2、主动公开情况"), and
    restarts the list when the headings so far stood on consecutive lines (a table of contents).
    """
    found = []  # (i, n, used, exact)
    i = 0
    while i < len(lines):
        line = lines[i]
        num, rest = numbering(line)
        n = section_of(rest) if len(line) <= 40 else None
        used = 1
        if n is None and num is not None and i + 1 < len(lines) and len(line) + len(lines[i + 1]) <= 45:
            n = section_of(rest + lines[i + 1])
            used = 2 if n is not None else 1
        if n is None and num in SECTIONS_2019 and len(line) <= 40 and _similar(rest, num):
            n = num
        last_n, last_exact = (found[-1][1], found[-1][3]) if found else (0, True)
        if n is not None and (num == n or _canonical(line if num is None else rest, n)
                              or (n == last_n + 1 and _misnumbered(line, n))):
            if used == 1 and i + 1 < len(lines) and _continues(rest, lines[i + 1], n):
                used = 2
            exact = _canonical(" ".join(lines[i:i + used])[len(line) - len(rest):], n)
            if n > last_n:
                found.append((i, n, used, exact))
            elif n == last_n and exact and not last_exact:
                found[-1] = (i, n, used, exact)
            elif exact and len(found) >= 3 and _contiguous(found):
                found = [(i, n, used, exact)]  # the headings so far were a table of contents
            else:
                i += 1
                continue
            i += used
            continue
        i += 1
    return [(i, n, used) for i, n, used, _ in found]


_PROBLEMS_START = re.compile(r"^(?:[(（]\s*[一1]\s*[)）]|[一1]\s*[、.．])?\s*(?:存在的?)?(?:主要)?问题(?:及|和|与)?(?:改进)?")


def infer_section5(lines, heads):
    """(heads, line index or None): when sections 4 and 6 are there but no heading of 5, the
    first short line after table 4 that opens the problems (（一）主要问题) starts section 5 and
    stands as its heading (the caller says so in the warnings)."""
    have = {n: j for j, (_, n, _) in enumerate(heads)}
    if 5 in have or 4 not in have or 6 not in have:
        return heads, None
    i4, _, used4 = heads[have[4]]
    i6 = heads[have[6]][0]
    for i in range(i4 + used4, i6):
        line = lines[i]
        if len(line) <= 20 and _PROBLEMS_START.match(key(line)) and "问题" in line:
            out = list(heads)
            out.insert(have[4] + 1, (i, 5, 1))
            return out, i
    return heads, None


def _contiguous(found):
    """Headings with no line between them: a table of contents, not sections."""
    return all(b[0] == a[0] + a[2] for a, b in zip(found, found[1:]))


def _similar(rest, n):
    """An OCR-damaged heading: most characters of the canonical wording are there, in about its length."""
    canonical, head = key(SECTIONS_2019[n])[2:], key(rest)
    if not head or abs(len(head) - len(canonical)) > 3:
        return False
    return char_overlap(canonical, head) >= 0.7


_NUMERALS = "一二三四五六七八九十"


def _misnumbered(line, n):
    """The next section's exact wording under a number OCR misread (一、 as 二 or as DR, 1、 as
    二): at most two characters before it, none of them Chinese but a numeral. The wording
    decides, as the number cannot."""
    canonical, head = key(SECTIONS_2019[n])[2:], key(line).strip(":：")
    prefix = head[:-len(canonical)] if head.endswith(canonical) else None
    return bool(prefix) and len(prefix) <= 2 and all(c in _NUMERALS or not ("\u4e00" <= c <= "\u9fff") for c in prefix)


def _continues(rest, following, n):
    """A heading cut short whose next line completes the canonical wording (PDF line wrap)."""
    canonical = key(SECTIONS_2019[n])[2:]
    head, joined = key(rest), key(rest + following)
    return len(head) < len(canonical) and canonical.startswith(head) and canonical.startswith(joined)


def _canonical(line, n):
    """An unnumbered line that is exactly the canonical heading text."""
    return key(line).strip(":：") == key(SECTIONS_2019[n])[2:]


def find_legacy(lines):
    """[(line index, lines consumed)] of a legacy report's headings: short top-numbered or known lines."""
    found = []
    expected = 1
    for i, line in enumerate(lines):
        if len(line) > 40 or _SENTENCE_END.search(line):
            continue
        num, rest = numbering(line)
        bare = key(rest).replace("、", "").strip(":：")
        if num is not None and num == expected and bare and not bare[0].isdigit():
            found.append((i, 1))
            expected += 1
        elif num is None and bare in _LEGACY_KEYS:
            found.append((i, 1))
            expected += 1
    return found


def build(lines, heads, stop):
    """Sections from heading positions: heading whitespace-normalised, text = the lines up to the next heading."""
    out = []
    for j, (i, n, used) in enumerate(heads):
        end = heads[j + 1][0] if j + 1 < len(heads) else stop
        heading = tidy(" ".join(lines[i:i + used]))
        text = "\n".join(lines[i + used:end])
        out.append({"n": n, "anchor": f"s{n}", "heading": heading, "text": text})
    return out


# A numbered heading inside a line (a crawled page that is one line): 一、 二. … not after a
# letter (统一、规范…) nor inside brackets (（一）); its wording ends at a heading word.
_RUN_IN = re.compile(r"([一二三四五六七八九十]{1,2})\s*[、.．]\s*")
_AFTER_WORD = re.compile(r"[\u3400-\u9fff（(、]")  # 统一、规范… ; （一）
_HEAD_END = re.compile(r"情况|事项|措施|概述|附表")
_HEAD_TAIL = re.compile(r"统计表|一览表|表")
_HEAD_STOP = re.compile(r"[。，,；;：:！!？?\d（(“\"]")


def _run_in_heading(line, at, start):
    """End of a heading's wording that starts at start (its number at at), or None: the first
    heading word after which the text names a section (2019 wording), or a short unpunctuated
    numbered heading (legacy reports number their own headings). After a word character
    (统一、规范…) only the exact 2019 wording counts (…432.52元三、收到和处理政府信息公开申请情况)."""
    after_word = at > 0 and _AFTER_WORD.match(line[at - 1])
    text = line[start:start + 40]
    stop = _HEAD_STOP.search(text)
    limit = stop.start() if stop else len(text)
    for m in _HEAD_END.finditer(text, 0, limit):
        end = m.end()
        while (tail := _HEAD_TAIL.match(text, end) or _HEAD_END.match(text, end)) and tail.end() <= limit:
            end = tail.end()  # 情况统计表, 情况概述
        head = text[:end]
        n = section_of(head)
        if after_word:
            if n is not None and _canonical(head, n):
                return start + end
        elif n is not None or len(key(head)) <= 30:
            return start + end
    return None


def split_run_in(lines, simplified=None):
    """Lines with every heading that runs into its text on one line (`…联系。一、 概述 推进…`)
    put on a line of its own, the text before and after on theirs. Headings are found in the
    simplified copy of each line (same length) and cut in the printed one.

    Only numbered headings are split, and only where the wording ends at a heading word
    (情况, 事项, 措施, 概述) with no sentence punctuation or digit inside: prose enumerations
    (一是, （一）) and table-3 row labels (一、本年新收政府信息公开申请数量, 四、结转下年度继续办理)
    never start a line here."""
    out = []
    for j, line in enumerate(lines):
        probe = simplified[j] if simplified and len(simplified[j]) == len(line) else line
        cuts = set()
        for m in _RUN_IN.finditer(probe):
            if chinese_number(m.group(1)) is None:
                continue
            end = _run_in_heading(probe, m.start(), m.end())
            if end is None or (m.start() == 0 and end >= len(probe.rstrip())):
                continue
            cuts.update((m.start(), end))
        if not cuts:
            out.append((j, line))
            continue
        bounds = sorted(cuts | {0, len(line)})
        out.extend((j, piece) for a, b in zip(bounds, bounds[1:]) if (piece := line[a:b].strip()))
    return out


# a closing date run into the text: after a sentence (and a short signature), before the end of
# the page or its attachments (…日常化。 二○一二年二月二十日 附件1：…)
_CLOSING = re.compile(r"(?<=[。；;！!？?])\s*((?:[^\s。；;，,：:！!？?、]{2,30}\s*)?"
                      r"(?:(?:19|20)\d{2}|二[〇○零Ｏ一二三四五六七八九]{3})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
                      r"\s*[\d一二三四五六七八九十]{1,3}\s*日)\s*(?=$|附)")


def split_closing(pieces):
    """[(j, line)] with a closing signature and date that run into the text on lines of their own."""
    out = []
    for j, line in pieces:
        m = _CLOSING.search(line)
        if not m:
            out.append((j, line))
            continue
        out.extend((j, piece) for piece in (line[:m.start(1)].strip(), m.group(1).strip(), line[m.end(1):].strip())
                   if piece)
    return out
