"""Three consecutive years of one agency, made from the generator's reports the way an office
edits last year's file: the same agency, table 3's 上年结转 and table 2's 现行有效 carried from
the year before, a new section 5 -- with the deliberate breaks the scorecard must find:

- 2022 is published late (a department's deadline is 31 January);
- 2023's 上年结转 is not 2022's 结转下年度 (natural persons: 1 against 3);
- 2023's 行政规范性文件 现行有效 is not 2022's + 本年制发 − 本年废止;
- 2023's section 5 is 2022's, copied; and another agency's 2023 report copies it too.
"""
import re

from gikportal.figures import agency_kind
from gikportal.records import build_record
from tools.generate import generate

YEARS = (2021, 2022, 2023)
SECTION5 = {
    2021: ("一是主动公开的信息还不够全面，部分栏目更新不够及时。二是政策解读的形式比较单一，图解视频偏少。"
           "下一步，我们将完善信息发布审核机制，按月检查各栏目的更新情况。"),
    2022: ("一是依申请公开答复的说理还不够充分，个别答复书引用条款不准确。二是基层工作人员的业务能力有待提高。"
           "下一步，我们将制定答复书范本，每季度组织一次业务培训，并邀请法律顾问审核疑难答复。"),
}
SECTION5[2023] = SECTION5[2022]
# (上年结转, 结转下年度) of natural persons; 2023's 上年结转 breaks the chain
CARRY = {2021: (None, 2), 2022: (2, 3), 2023: (1, None)}
DATES = {2021: "2022年1月20日", 2022: "2023年3月10日", 2023: "2024年1月15日"}


def _row_values(line):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return cells


def _set_cells(text, label, change):
    """Apply change(cells) to the markdown row whose first two cells match the label pattern."""
    out = []
    for line in text.split("\n"):
        if line.startswith("|") and re.search(label, " ".join(_row_values(line)[:2])):
            line = "| " + " | ".join(change(_row_values(line))) + " |"
        out.append(line)
    return "\n".join(out)


def _numbers_at(cells):
    """Index of the first of the seven numbers (six applicants and the total) in a table-3 row."""
    for i in range(len(cells) - 6):
        if all(re.fullmatch(r"\d+", c) for c in cells[i:i + 7]):
            return i
    raise AssertionError(cells)


def _shift(text, label, deltas):
    """Add deltas (six applicants) to a table-3 row, and their sum to its total."""
    def change(cells):
        i = _numbers_at(cells)
        values = [int(c) + d for c, d in zip(cells[i:i + 6], deltas)]
        assert min(values) >= 0, (label, values)
        cells[i:i + 7] = [str(v) for v in values + [sum(values)]]
        return cells
    return _set_cells(text, label, change)


OVER, FORWARD, GRANTED, TOTAL = "上年结转", "结转下年度", "予以公开", "七.{0,2}总计"


def _candidates(year):
    for seed in range(1, 60):
        for rep in generate(30, seed=seed, layouts=["markdown"], years=[year]):
            stats = rep.expected.get("stats") or {}
            req = stats.get("requests") or {}
            nd = (stats.get("active") or {}).get("normative_documents")
            if (rep.encoding == "utf-8" and rep.expected.get("published") and nd and rep.data.decode().count("|") > 50
                    and (req.get("granted") or {}).get("natural_person", 0) >= 4
                    and agency_kind(rep.expected.get("agency")) == "部门"
                    and _S5.search(rep.data.decode()) and _S6.search(rep.data.decode())):
                yield rep


_S5 = re.compile(r"^[ \t]*五[、.．][ \t]*存在的主要问题及改进情况[ \t]*$", re.M)
_S6 = re.compile(r"^[ \t]*六[、.．][ \t]*其他需要报告的事项[ \t]*$", re.M)


def _replace_section5(text, body):
    start, end = _S5.search(text), _S6.search(text)
    return text[:start.end()] + "\n\n" + body + "\n\n" + text[end.start():]


def _replace_date(text, new):
    dates = list(re.finditer(r"\d{4}年\d{1,2}月\d{1,2}日", text))
    last = dates[-1]
    return text[:last.start()] + new + text[last.end():]


def series():
    """[(year, filename, bytes)] of the agency's three years and the other agency's copy, and
    the agency's name."""
    picks = {year: next(_candidates(year)) for year in YEARS}
    agency = picks[2021].expected["agency"]
    files, in_force = [], None
    for year in YEARS:
        rep = picks[year]
        text = rep.data.decode("utf-8").replace(rep.expected["agency"], agency)
        record = build_record(text.encode(), "x.md")
        req = record["stats"]["requests"]
        cols = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other")
        delta = [0] * 6
        for row, label, wanted, sign in (("carried_over", OVER, CARRY[year][0], 1),
                                         ("carried_forward", FORWARD, CARRY[year][1], -1)):
            if wanted is None:
                continue
            change = [(wanted if c == "natural_person" else 0) - req[row][c] for c in cols]
            text = _shift(text, label, change)
            delta = [d + sign * x for d, x in zip(delta, change)]
        text = _shift(_shift(text, GRANTED, delta), TOTAL, delta)
        nd = record["stats"]["active"]["normative_documents"]
        if in_force is None:
            in_force = nd["in_force"]
        else:
            issued, repealed = 2, 1
            in_force = in_force + issued - repealed + (5 if year == 2023 else 0)
            text = _set_cells(text, "行政规范性文件",
                              lambda cells: cells[:1] + [str(issued), str(repealed), str(in_force)])
        text = _replace_section5(text, SECTION5[year])
        text = _replace_date(text, DATES[year])
        files.append((year, f"series-{year}.md", text.encode("utf-8")))
    other = next(r for r in _candidates(2023) if r.expected["agency"] != agency
                 and r.expected["agency"] != picks[2023].expected["agency"])
    text = _replace_section5(other.data.decode("utf-8"), SECTION5[2023])
    files.append((2023, "other-2023.md", text.encode("utf-8")))
    return agency, other.expected["agency"], files
