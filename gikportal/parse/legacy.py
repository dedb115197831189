"""Figures of a legacy (2008-2018) report: from its statistics table (附表) where a row reads one
way, else from the sentences that state them; a figure the report never states stays absent."""
import re

from .flattened import legacy_pair

_PROSE = {
    "published_items": re.compile(r"主动公开[^。；;\d]{0,16}?(?:信息|文件)[^。；;\d]{0,6}?(\d+)\s*(?:条|件|项|篇)"),
    "reviews": re.compile(r"行政复议[^。；;\d]{0,8}?(\d+)\s*(?:件|起|宗|次)"),
    "lawsuits": re.compile(r"行政诉讼[^。；;\d]{0,8}?(\d+)\s*(?:件|起|宗|次)"),
}
# the disclosure requests: a sentence naming them (受理…政府信息公开申请N件), never another count
# that shares the verb (共受理申请121510件 of 行政审批)
_REQUESTS = (
    re.compile(r"(?:收到|受理|接到|接收)[^。；;，,\d]{0,30}?申请[^。；;，,\d]{0,8}?(\d+)\s*(?:件|条|份|个|宗)"),
    re.compile(r"(?:收到|受理|接到|接收)[^。；;，,\d]{0,12}?(\d+)\s*(?:件|条|份|个|宗)[^。；;，,\d]{0,16}?申请"),
    re.compile(r"依申请公开[^。；;\d]{0,10}?(?:收到|受理|接到)[^。；;，,\d]{0,6}?(\d+)\s*(?:件|条|份|个|宗)"),
)
_DISCLOSURE = re.compile(r"信息公开|依申请|公开政府信息|政府信息")
_NOT_REQUEST = re.compile(r"复议|诉讼|审批|许可")
_NONE = {
    "requests_received": (re.compile(r"(?:未|没有|无)(?:收到|接到|受理|接收)[^。；;，,]{0,20}?申请(?!的?(?:行政复议|复议|诉讼))"),
                          re.compile(r"(?:未|没有|无)(?:发生|产生|出现)?依申请公开")),
    "reviews": (re.compile(r"(?:未|没有|无)(?:发生|出现|收到|产生)?[^。；;\d]{0,20}?行政复议"),),
    "lawsuits": (re.compile(r"(?:未|没有|无)(?:发生|出现|收到|产生)?[^。；;\d]{0,30}?行政诉讼"),),
}
# the legacy statistics table (附表): label, unit, this year, cumulative (`受理依申请公开信息总数条3535`)
_TABLE = {
    "requests_received": re.compile(r"受理[^。；;\d]{0,10}?依申请公开[^。；;\d]{0,6}?总数\s*(?:条|件|个|项)?\s*([\d][\d ]*)"),
    "reviews": re.compile(r"(?<![、，,])行政复议(?:案件)?数\s*(?:条|件|个|项|起)?\s*([\d][\d ]*)"),
    "lawsuits": re.compile(r"(?<![、，,接受])行政诉讼(?:案件)?数\s*(?:条|件|个|项|起)?\s*([\d][\d ]*)"),
}


def _first(patterns, text, accept=lambda m: True):
    found = [m for p in patterns for m in p.finditer(text) if accept(m)]
    return min(found, key=lambda m: m.start()) if found else None


def _is_request_statement(m):
    return bool(_DISCLOSURE.search(m.group(0))) and not _NOT_REQUEST.search(m.group(0))


def _legacy_prose(name, text):
    """A figure stated in the prose, 0 for an explicit none (未收到…申请), else None."""
    if name == "requests_received":
        m = _first(_REQUESTS, text, _is_request_statement)
    else:
        m = _PROSE[name].search(text)
    none = _first(_NONE.get(name, ()), text,
                  lambda n: name != "requests_received" or not _NOT_REQUEST.search(n.group(0)))
    if m and (not none or m.start() <= none.start()):
        return int(m.group(1))
    return 0 if none else None


def stats(text, warnings):
    """Figures of a legacy report: its statistics table where a row reads one way, else its prose.
    A figure the report never states stays absent."""
    out = {}
    for name in ("published_items", "requests_received", "reviews", "lawsuits"):
        table = None
        row = _TABLE.get(name)
        m = row.search(text) if row else None
        if m:
            run = " ".join(m.group(1).split())
            table, fits = legacy_pair(run)
            if table is None:
                warnings.append(f"legacy {name}: table cells run together ({run}), {fits} splits fit "
                                "(this year ≤ cumulative); left unread")
            elif " " not in run:
                warnings.append(f"legacy {name}: table cells run together ({run}), read as this year {table}")
        prose = _legacy_prose(name, text)
        if table is not None:
            out[name] = table
            if prose is not None and prose != table:
                warnings.append(f"legacy {name}: the prose says {prose}, the table {table}; the table kept")
        elif prose is not None:
            out[name] = prose
    return out
