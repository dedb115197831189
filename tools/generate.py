"""Synthetic 政府信息公开工作年度报告 with ground truth, for accuracy tests and the benchmark.

Every report is drawn from the generator's own numbers, so `expected` is the record the parser
must return (report-format.md, without id/sha256). Layouts mimic the five seeds: Markdown tables
(000), tab-separated PDF text (001/002), OCR-noisy TSV (003) and one-cell-per-line DOCX text (004).
Regions come from cpca's own gazetteer (tools/data/gen_regions.json, built by
`python -m tools.generate --build-regions`), so cpca resolves each agency to its region.
"""
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from gikportal.figures import DENIED, NOT_PROCESSED, UNAVAILABLE
from gikportal.labels import REQUEST_OUTCOME_ROWS, REQUEST_TOP_ROWS, SINGLE_REPORT_CHECKS

DATA = Path(__file__).resolve().parent / "data"
LAYOUTS = ("markdown", "tsv", "ocr", "docx")
LAYOUT_WEIGHTS = (20, 35, 15, 30)
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")

COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other", "total")
APPLICANTS = COLS[:6]
OTHER_NEW = ("other_no_correction", "other_no_fee", "other_other")
OUTCOMES_NEW = ("granted", "partially_granted") + DENIED + UNAVAILABLE + NOT_PROCESSED + OTHER_NEW
OUTCOMES_OLD = ("granted", "partially_granted") + DENIED + UNAVAILABLE + NOT_PROCESSED + ("other_handling",)
GROUPS = ("review", "litigation_direct", "litigation_after_review")
GROUP_FIELDS = ("upheld", "corrected", "other", "pending", "total")
CHECK_RULES = SINGLE_REPORT_CHECKS
# (group label, item label) per outcome row, and the top rows, as the national format prints them
ROW_LABELS = REQUEST_OUTCOME_ROWS
TOP_LABELS = REQUEST_TOP_ROWS
HEADINGS = {1: "总体情况", 2: "主动公开政府信息情况", 3: "收到和处理政府信息公开申请情况",
            4: "政府信息公开行政复议、行政诉讼情况", 5: "存在的主要问题及改进情况", 6: "其他需要报告的事项"}
CN_NUM = "零一二三四五六七八九十"
# report-format.md: zero where the row is otherwise filled; an empty cell only between two printed numbers
ZERO_MARKS = ("", "/", "-", "—", "无")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TOWNS = ("城关镇 新城镇 东关镇 西关镇 北关镇 南关镇 城郊乡 新兴镇 太平镇 长安镇 兴隆镇 大河镇 白沙镇 石桥镇 "
         "三合镇 双河镇 青山镇 桥头镇 新集镇 马庄乡 王庄镇 李集镇 张店镇 柳林镇 杨村镇 高桥镇 黄庄镇 清河镇 白马镇 "
         "金山镇 古城镇 官庄镇 十里铺镇 花园镇").split()
STREETS = "东城街道 西城街道 南城街道 北城街道 新华街道 人民路街道 建设路街道 解放路街道 红旗街道 胜利街道 和平街道 文化路街道".split()
CITY_BODIES = ("人民政府办公室", "人民政府", "卫生健康委员会", "公安局", "教育局", "自然资源和规划局", "生态环境局",
               "住房和城乡建设局", "交通运输局", "农业农村局", "人力资源和社会保障局", "民政局", "财政局",
               "市场监督管理局", "应急管理局", "文化广电和旅游局", "司法局", "退役军人事务局", "审计局", "统计局",
               "医疗保障局", "发展和改革委员会", "水利局", "商务局", "城市管理局", "林业局")
COUNTY_BODIES = ("人民政府办公室", "人民政府", "卫生健康委员会", "教育局", "自然资源局", "住房和城乡建设局",
                 "交通运输局", "农业农村局", "人力资源和社会保障局", "民政局", "财政局", "市场监督管理局",
                 "应急管理局", "司法局", "发展和改革局", "水利局", "医疗保障局")
PROVINCE_BODIES = ("人民政府办公厅", "卫生健康委员会", "公安厅", "教育厅", "自然资源厅", "生态环境厅", "交通运输厅",
                   "民政厅", "财政厅", "司法厅", "商务厅", "水利厅", "市场监督管理局")
MUNI_BODIES = ("人民政府办公厅", "卫生健康委员会", "公安局", "教育委员会", "生态环境局", "交通委员会", "民政局",
               "财政局", "司法局", "商务委员会", "水务局", "市场监督管理局")
ZONES = ("高新技术产业开发区管理委员会", "经济技术开发区管理委员会", "城乡一体化示范区管理委员会",
         "综合保税区管理委员会", "高新区管理委员会")


@dataclass(frozen=True)
class GeneratedReport:
    filename: str
    data: bytes
    expected: dict
    layout: str
    encoding: str


_REGIONS = None


def _regions():
    global _REGIONS
    if _REGIONS is None:
        _REGIONS = json.loads((DATA / "gen_regions.json").read_text(encoding="utf-8"))
    return _REGIONS


# ---------------------------------------------------------------- agency and region

def _agency(rng):
    """(agency, short name used in prose, region dict, kind)."""
    reg = _regions()
    r = rng.random()
    if r < 0.45:
        p, c, d, bare_ok = rng.choice(reg["counties"])
        muni = p == c
        k = rng.random()
        if k < 0.12:
            town = rng.choice(TOWNS + STREETS)
            prefix = d if bare_ok and rng.random() < 0.5 else f"{c}{d}"
            suffix = "办事处" if town.endswith("街道") else "人民政府"
            return prefix + town + suffix, "我" + town[-1] if town[-1] in "镇乡" else "我街道", _reg(p, c, d), "town"
        body = rng.choice(COUNTY_BODIES)
        if k < 0.3 and not muni:
            prefix = f"{p}{c}{d}"
        elif k < 0.45 and bare_ok:
            prefix = d
        else:
            prefix = f"{c}{d}"
        short = _short(body, d)
        return prefix + body, short, _reg(p, c, d), "county"
    if r < 0.82:
        p, c = rng.choice(reg["cities"])
        if rng.random() < 0.2:
            zone = rng.choice(ZONES)
            return c + zone, "示范区" if "示范区" in zone else "高新区" if "高新" in zone else "开发区" if "开发区" in zone \
                else "保税区", _reg(p, c, None), "zone"
        body = rng.choice(CITY_BODIES)
        short = _short(body, c)
        return c + body, short, _reg(p, c, None), "city"
    p = rng.choice(reg["provinces"])
    if p in MUNICIPALITIES:
        body = rng.choice(MUNI_BODIES)
        return p + body, _short(body, p), _reg(p, p, None), "province"
    body = rng.choice(PROVINCE_BODIES)
    return p + body, _short(body, p), _reg(p, None, None), "province"


def _short(body, place):
    """How the report refers to itself in prose."""
    if body.startswith("人民政府"):
        return "我" + place[-1] if place[-1] in "省市县区旗" else "本机关"
    if body.endswith("委员会"):
        return "我委"
    return "我" + body[-1] if body[-1] in "局厅办" else "本机关"


def _reg(p, c, d):
    return {"province": p, "city": c, "county": d}


# ---------------------------------------------------------------- numbers

def _split(total, weights, rng):
    """Split a non-negative int over weights; deterministic for the rng."""
    n = len(weights)
    s = sum(weights)
    if total <= 0 or s <= 0:
        return [0] * n
    if total <= 12:
        out = [0] * n
        for i in rng.choices(range(n), weights=weights, k=total):
            out[i] += 1
        return out
    out = [int(total * w / s) for w in weights]
    rest = total - sum(out)
    if rest:
        for i in rng.choices(range(n), weights=weights, k=rest):
            out[i] += 1
    return out


def _requests(rng, old):
    """Table 3 as {row: {col: int}} that obeys every printed 勾稽关系."""
    r = rng.random()
    if r < 0.35:
        new_total = 0
    elif r < 0.72:
        new_total = rng.randint(1, 20)
    elif r < 0.95:
        new_total = rng.randint(21, 400)
    else:
        new_total = rng.randint(401, 25000)
    aw = [rng.uniform(60, 100), rng.uniform(0, 25), rng.uniform(0, 2), rng.uniform(0, 3), rng.uniform(0, 6),
          rng.uniform(0, 5)]
    new = _split(new_total, aw, rng)
    carried = [0] * 6
    if new_total and rng.random() < 0.3:
        carried = _split(rng.randint(1, max(1, new_total // 8)), aw, rng)
    outcomes = OUTCOMES_OLD if old else OUTCOMES_NEW
    active = ["granted"] + rng.sample(outcomes[1:], rng.randint(0, 6))
    ow = [rng.uniform(30, 60) if k == "granted" else rng.uniform(1, 20) if k in active else 0 for k in outcomes]
    rows = {k: [0] * 6 for k in outcomes}
    forward = [0] * 6
    for c in range(6):
        avail = new[c] + carried[c]
        if avail and rng.random() < 0.2:
            forward[c] = rng.randint(0, max(0, avail // 6))
        for k, v in zip(outcomes, _split(avail - forward[c], ow, rng)):
            rows[k][c] = v
    table = {"new_received": new, "carried_over": carried}
    table.update(rows)
    table["outcome_total"] = [sum(rows[k][c] for k in outcomes) for c in range(6)]
    table["carried_forward"] = forward
    return {k: dict(zip(COLS, v + [sum(v)])) for k, v in table.items()}


def _appeals(rng):
    out = {}
    for g, p in zip(GROUPS, (0.18, 0.1, 0.05)):
        vals = [0, 0, 0, 0]
        if rng.random() < p:
            n = rng.randint(1, 6) if rng.random() < 0.9 else rng.randint(7, 120)
            vals = _split(n, [6, 2, 2, 2], rng)
        out[g] = dict(zip(GROUP_FIELDS, vals + [sum(vals)]))
    return out


def _fee_amount(rng, big):
    if rng.random() < 0.6 and not big:
        return "0", 0.0
    v = rng.choice((rng.uniform(0.1, 50), rng.uniform(50, 3000)))
    text = f"{v:.{rng.choice((1, 2, 4))}f}".rstrip("0").rstrip(".")
    if text == "0":
        text = "0.5"
    return text, float(text)


def _active(rng, old, kind):
    big = kind in ("city", "province", "zone") and rng.random() < 0.6
    a = {}
    cells = {}
    if not old:
        for key in ("regulations", "normative_documents"):
            if key == "regulations" and kind != "province":
                vals = [0, 0, 0]
            else:
                issued = rng.choice((0, 0, 1, 2, rng.randint(0, 30)))
                repealed = rng.choice((0, 0, rng.randint(0, 10)))
                vals = [issued, repealed, issued + rng.randint(0, 200)]
            a[key] = dict(zip(("issued", "repealed", "in_force"), vals))
            cells[key] = [str(v) for v in vals]
        for key in ("licensing", "penalty", "coercion"):
            v = rng.choice((0, 0, rng.randint(0, 50), rng.randint(0, 5000), rng.randint(0, 300000) if big else 3))
            a[key] = {"decisions": v}
            cells[key] = [str(v)]
    else:
        for key in ("regulations", "normative_documents"):
            if key == "regulations" and kind != "province":
                vals = [0, 0, 0]
            else:
                made = rng.choice((0, 0, 1, rng.randint(0, 20)))
                vals = [made, made, made + rng.randint(0, 150)]
            a[key] = dict(zip(("made", "published", "public_total"), vals))
            cells[key] = [str(v) for v in vals]
        for key in ("licensing", "other_services", "penalty", "coercion"):
            last = rng.choice((0, 0, rng.randint(1, 80), rng.randint(1, 600)))
            change = rng.choice((0, 0, 0, rng.randint(1, 12), -rng.randint(1, 5))) if last else 0
            dec = rng.choice((0, rng.randint(0, 50), rng.randint(0, 5000), rng.randint(0, 90000) if big else 7))
            a[key] = {"items_last_year": last, "change": change, "decisions": dec}
            cells[key] = [str(last), str(change), str(dec)]
        last = rng.choice((0, 0, rng.randint(1, 30)))
        change = rng.choice((0, 0, 1, -1)) if last else 0
        a["fees"] = {"items_last_year": last, "change": change}
        cells["fees"] = [str(last), str(change)]
        items = rng.choice((0, 0, rng.randint(1, 40), rng.randint(1, 400)))
        amt_text, amt = _fee_amount(rng, True) if items else ("0", 0.0)
        a["procurement"] = {"items": items, "amount_10k_yuan": amt}
        cells["procurement"] = [str(items), amt_text]
        return a, cells
    amt_text, amt = _fee_amount(rng, big)
    a["fees"] = {"amount_10k_yuan": amt}
    cells["fees"] = [amt_text]
    return a, cells


# ---------------------------------------------------------------- checks

def compute_checks(stats, section_ns, section5_text, narrative_figure, fee_charged, fee_explained):
    """The single-report cross-checks of report-format.md, from the record's own numbers."""
    req = stats.get("requests")
    app = stats.get("appeals")
    out = []
    if "legacy" in stats:
        return [{"rule": r, "ok": None, "detail": "旧格式报告，不适用"} for r in CHECK_RULES]
    missing = [n for n in range(1, 7) if n not in section_ns]
    tables_missing = [t for t, k in (("表二", "active"), ("表三", "requests"), ("表四", "appeals")) if k not in stats]
    ok = not missing and not tables_missing and bool(section5_text.strip())
    detail = "六个部分和三张表齐全" if ok else "；".join(filter(None, (
        "缺少第" + "、".join(CN_NUM[n] for n in missing) + "部分" if missing else "",
        "缺少" + "、".join(tables_missing) if tables_missing else "",
        "第五部分为空" if 5 in section_ns and not section5_text.strip() else "")))
    out.append({"rule": "sections_present", "ok": ok, "detail": detail})
    if req:
        outcomes = [k for k in req if k not in ("new_received", "carried_over", "outcome_total", "carried_forward")]
        bad_b, bad_o, bad_r = [], [], []
        for c in COLS:
            lhs = req["new_received"][c] + req["carried_over"][c]
            rhs = req["outcome_total"][c] + req["carried_forward"][c]
            if lhs != rhs:
                bad_b.append(f"{c}列：{req['new_received'][c]}+{req['carried_over'][c]}={lhs}，"
                             f"{req['outcome_total'][c]}+{req['carried_forward'][c]}={rhs}")
            s = sum(req[k][c] for k in outcomes)
            if s != req["outcome_total"][c]:
                bad_o.append(f"{c}列：办理结果合计{s}，总计{req['outcome_total'][c]}")
        for k, row in req.items():
            s = sum(row[c] for c in APPLICANTS)
            if s != row["total"]:
                bad_r.append(f"{k}行：各列之和{s}，总计{row['total']}")
        out.append({"rule": "balance", "ok": not bad_b,
                    "detail": "；".join(bad_b) or "各列新收加上年结转等于办理结果加结转下年度"})
        out.append({"rule": "outcome_sum", "ok": not bad_o, "detail": "；".join(bad_o) or "各列办理结果之和等于总计"})
        out.append({"rule": "row_total", "ok": not bad_r, "detail": "；".join(bad_r) or "各行总计等于各类申请人之和"})
    else:
        for r in ("balance", "outcome_sum", "row_total"):
            out.append({"rule": r, "ok": None, "detail": "报告没有表三"})
    if app:
        bad = [f"{g}：{sum(app[g][f] for f in GROUP_FIELDS[:4])}≠总计{app[g]['total']}" for g in GROUPS
               if sum(app[g][f] for f in GROUP_FIELDS[:4]) != app[g]["total"]]
        out.append({"rule": "group_total", "ok": not bad, "detail": "；".join(bad) or "复议、诉讼各组总计正确"})
    else:
        out.append({"rule": "group_total", "ok": None, "detail": "报告没有表四"})
    if narrative_figure is None or not req:
        out.append({"rule": "narrative", "ok": None, "detail": "总体情况未写明申请数量"})
    else:
        t = req["new_received"]["total"]
        out.append({"rule": "narrative", "ok": narrative_figure == t,
                    "detail": f"总体情况写收到申请{narrative_figure}件，表三新收{t}件"})
    if not fee_charged:
        out.append({"rule": "fee_explained", "ok": None, "detail": "报告未称收取信息处理费"})
    else:
        out.append({"rule": "fee_explained", "ok": bool(fee_explained),
                    "detail": "第六部分说明了信息处理费金额" if fee_explained else "报告称收取信息处理费，第六部分未说明金额"})
    return out


# ---------------------------------------------------------------- prose

OPENINGS = (
    "{y}年，{s}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，以公开为常态、不公开为例外，扎实推进政府信息公开工作。",
    "{y}年，{s}在上级政务公开办公室的具体指导下，严格执行《中华人民共和国政府信息公开条例》，围绕中心工作，不断提升政务公开的规范化、标准化水平。",
    "{y}年，{s}高度重视政府信息公开工作，严格按照《中华人民共和国政府信息公开条例》及相关法律法规要求，全面推进决策、执行、管理、服务、结果公开，不断提升政府工作的透明度和公信力。",
    "依法实施政府信息公开是密切联系群众、转变政风的内在要求。{y}年，{s}将政务公开工作纳入重要议事日程，健全工作机制，强化平台建设，有效保障了人民群众的知情权、参与权、表达权和监督权。",
    "{y}年，{s}深入贯彻党中央、国务院关于全面推进政务公开的决策部署，聚焦群众关切，主动做好政策解读，规范公开程序，各项工作取得新进展。",
)
OPENING_MORE = (
    "全年共召开政务公开专题会议{k}次，研究部署重点工作任务，层层压实工作责任。",
    "本年度，依托政府门户网站、政务新媒体等平台，及时、准确、全面地公开政府信息，有效保障了人民群众的知情权、参与权和监督权。",
    "坚持以人民为中心的发展思想，把政务公开作为推进治理体系和治理能力现代化的重要抓手，促进政务公开与政务服务深度融合。",
    "",
)
SUB1 = (("（一）主动公开", "（一）主动公开情况", "（一）主动公开方面", "（一）加强主动公开", "（一）主动公开政府信息情况"),
        ("（二）依申请公开", "（二）依申请公开情况", "（二）申请公开方面", "（二）规范依申请公开", "（二）依申请公开办理情况"),
        ("（三）政府信息管理", "（三）政府信息管理情况", "（三）严格政府信息管理", "（三）政府信息管理机制方面"),
        ("（四）政府信息公开平台建设", "（四）平台建设情况", "（四）推进政府信息公开平台建设", "（四）政府信息平台建设情况"),
        ("（五）监督保障", "（五）监督保障情况", "（五）强化监督保障", "（五）监督保障方面"))
SUB1_INLINE = ("（一）加强主动公开", "（二）规范依申请公开", "（三）严格政府信息管理", "（四）推进政府信息公开平台建设",
               "（五）强化监督保障")
ACTIVE_SENT = (
    "{y}年，{s}通过门户网站主动公开各类政府信息{n}条，其中包含工作动态、通知公告、部门预决算等。",
    "全年通过政府门户网站、政务新媒体等平台主动公开政府信息{n}余条，内容涵盖政策法规、规划计划、财政预决算、重点项目等。",
    "{y}年度，主动公开政府信息{n}条，及时发布政策解读、工作动态、公告通知等信息，确保公众能够便捷获取。",
    "严格落实主动公开基本目录，全年主动公开信息 {n} 条，重点领域信息依法公开。",
)
ACTIVE_EXTRA = (
    "通过政务微信公众号发布信息{m}余篇，开设专题专栏{k}个。",
    "全年承办人大代表建议{k}件、政协委员提案{m2}件，均按要求公开办理结果。",
    "组织开展政策解读{k}次，发布图解、视频等多样化解读产品。",
    "持续做好“双随机、一公开”工作，完成抽查任务{m}家，发现案源{k}件。",
    "通过市长信箱、网民留言等渠道接收并处理群众信件{m}件，办结率100%。",
)
REQ_SENT_NUM = (
    "全年共收到政府信息公开申请{n}件，均在法定期限内予以答复。",
    "{y}年度，共受理政府信息公开申请 {n} 件，均按照法定程序和时限进行了妥善处理。",
    "本年度收到依申请公开事项 {n} 条，均已按要求回复。",
    "全年受理政府信息公开申请{n}件，均已按要求办结。",
    "{y}年新收政府信息公开申请{n}件，全部按时办结。",
)
REQ_SENT_NONE = (
    "严格执行依申请公开工作规范，做好申请的登记、审核、办理、答复、归档等环节，确保依申请公开工作依法有序开展。",
    "进一步规范依申请公开受理、交办、审查、答复流程，确保答复内容规范、程序合法、时限达标。",
)
REQ_FEE_CHARGED = "对超出合理数量、频次的申请，依法向申请人收取信息处理费。"
ACTIVE_MORE = (
    "围绕财政预决算、重大建设项目、公共资源配置、社会公益事业等重点领域，及时准确公开相关信息。",
    "坚持政策文件与解读材料同步组织、同步审签、同步部署，采取图文解读、视频解读、新闻发布等多种形式，提升政策解读的针对性和实效性。",
    "及时回应社会关切，对涉及群众切身利益的热点问题，通过门户网站、政务新媒体等渠道第一时间发布权威信息。",
    "进一步完善政府信息主动公开基本目录，细化公开内容、公开主体和公开时限，推进政府信息公开标准化规范化。",
    "依托政务服务平台公开办事指南、办理流程和收费标准，方便企业和群众办事。",
)
REQ_MORE = (
    "进一步规范依申请公开受理、交办、审查、答复流程，确保答复内容规范、程序合法、时限达标。",
    "申请人可以通过门户网站在线提交、信函邮寄、当面提交等方式提出申请，专人负责审查，并在法定期限内给予答复。",
    "依据《答复格式文本》制作政府信息公开申请答复书、告知书等，扎实推进依申请公开工作规范化标准化。",
)
MANAGE_MORE = (
    "定期组织工作人员学习《政府信息公开条例》及省、市对信息公开的相关政策规定，提升业务能力。",
    "严格执行公文公开属性源头认定制度，在公文办理过程中同步确定公开方式。",
    "对拟发布信息的涉密性、准确性、时效性进行严格把关，确保政府信息公开及时、内容准确权威。",
)
PLATFORM_MORE = (
    "全年门户网站累计发布信息{m}条，政务新媒体账号发布信息{m2}余条，网站运行平稳。",
    "优化“政策文件库”功能，实现现行有效规范性文件集中公开、分类检索。",
    "推进政府网站集约化建设，统一信息资源库，提升网站检索和互动交流能力。",
    "在政务服务中心设立政府信息公开查阅点，配备电脑、查阅终端，方便群众现场查阅。",
)
SUPERVISE_MORE = (
    "组织开展政务公开第三方评估，对发现的问题逐项整改到位。",
    "将政府信息公开工作纳入机关年度目标考核，考核结果作为评先评优的重要依据。",
    "加强政务舆情监测和回应，对群众反映的问题及时核实、妥善处置。",
)
TOPICAL = {  # year-specific work that reports of those years mention
    "pandemic": (2020, 2022, "围绕疫情防控工作，及时发布疫情防控政策措施、通告公告和健康提示，做好新冠肺炎疫情防控信息公开。"),
    "business": (2019, 2024, "聚焦优化营商环境，集中公开涉企政策、惠企措施和办事指南，推动惠企政策直达快享。"),
    "rural": (2021, 2024, "围绕巩固拓展脱贫攻坚成果同乡村振兴有效衔接，公开乡村振兴项目资金安排和实施情况。"),
    "poverty": (2016, 2020, "做好脱贫攻坚信息公开，及时公开扶贫项目、扶贫资金分配和使用情况。"),
    "hotline": (2021, 2024, "依托12345政务服务便民热线，及时回应群众关切，全年办理热线工单{m}件。"),
    "congress20": (2022, 2024, "深入学习贯彻党的二十大精神，把政务公开作为建设人民满意的服务型政府的重要举措。"),
    "congress19": (2018, 2021, "深入学习贯彻党的十九大精神，推进决策、执行、管理、服务、结果“五公开”。"),
    "online": (2019, 2024, "持续推进“一网通办”，政务服务事项网上可办率进一步提高。"),
}
MANAGE_SENT = (
    "规范信息制作、审核、发布等流程，严格落实信息发布“三审”制度，确保涉密信息不公开、公开信息不涉密。",
    "完善政府信息公开指南和目录，定期开展检查并及时整改，增强信息发布的时效性、规范性、准确性。",
    "建立健全政府信息公开责任制、政府信息发布协调机制和政府信息保密审查制度，确保政府信息公开工作规范化、制度化。",
    "对规范性文件进行全面清理，及时公开清理结果，动态更新政策文件库。",
)
PLATFORM_SENT = (
    "依托政府门户网站，明确专人负责政府信息公开平台维护、更新等日常工作，确保网站内容发布准确、权威、及时、便民。",
    "持续强化政务新媒体运维管理，对利用率不高、低效能账号予以关停，优化政府信息公开专栏设置。",
    "推进政务公开专区建设，完善线上线下公开渠道，方便群众查询和获取政府信息。",
    "围绕重点民生领域、重大行政决策事项，及时增设专题专栏，拓展智能搜索、主动推送等功能。",
)
SUPERVISE_SENT = (
    "实施常态化管理，严格保密审查和责任追究制度，确保重要信息不漏报、不迟报、不误报。",
    "将政务公开工作纳入年度绩效考核，组织开展政务公开业务培训{k}次，不断提高工作人员业务水平。",
    "定期召开专题会议听取政务公开工作开展情况汇报，坚持“谁公开谁审查、事前审查、依法审查”的原则。",
    "自觉接受社会监督，畅通意见反馈渠道，{y}年未发生因政务公开工作被责任追究的情况。",
)
PROBLEMS = (
    "{y}年，{s}政府信息公开工作虽然取得了一定成效，但仍存在一些不足：一是政务公开内容需要进一步丰富；二是公开渠道有待进一步拓宽；三是与社会公众的互动和交流还需加强。",
    "在政府信息公开工作方面虽取得了一定成绩，但仍存在一些问题和不足。例如，部分政府信息更新不够及时；政策解读形式较为单一；新媒体平台的运营和管理还有待加强。",
    "一是从事政府信息公开工作的培训力度有待进一步提升。二是政策解读方式内容不够丰富。三是政府信息公开工作创新方式不够丰富，在满足群众多层次多样化信息需求上有待改进。",
    "与上级要求和群众期盼相比，仍存在公开内容不够全面、公开形式不够多样、基层政务公开标准化规范化建设有待深化等问题。",
)
IMPROVE = (
    "下一步，将围绕群众关切和上级部署，进一步细化主动公开目录，加强政策解读和回应关切，提高政务公开的针对性和实效性；同时加强政务公开专区建设，推动政务公开向基层延伸。",
    "一是强化组织领导，把政务公开工作列入重要议事日程；二是健全工作制度，完善信息发布审核、保密审查机制；三是丰富公开形式，综合运用图解、视频、问答等形式解读政策；四是加强队伍建设，定期开展业务培训。",
    "下一步，将进一步加大主动公开力度，及时更新信息，推进重点领域信息公开，提升政策文件公开质量；加强政务新媒体管理，提升政策的传播力和影响力；加强业务培训，全面提升政务公开工作队伍能力和水平。",
    "在今后的工作中，将进一步加强政策解读和回应关切，积极探索和利用新的公开渠道和形式，方便公众获取政府信息。",
    "针对上述问题，将采取以下措施进行改进：一是加强组织领导；二是完善工作机制，明确责任分工；三是加强培训宣传，提高工作人员的业务水平；四是加强监督检查，确保政府信息公开工作质量。",
)
OTHER_NO_FEE = (
    "{y}年，{s}未收取信息处理费。",
    "依据《政府信息公开信息处理费管理办法》的规定，{s}本年度收取信息处理费0元。",
    "认真贯彻执行国务院办公厅《政府信息公开信息处理费管理办法》。{y}年{s}未收取信息处理费。",
    "本年度未收取政府信息公开信息处理费。",
)
OTHER_FEE_EXPLAINED = (
    "依据《政府信息公开信息处理费管理办法》，{y}年{s}共收取信息处理费{f}元。",
    "本年度按照《政府信息公开信息处理费管理办法》向{m}名申请人收取信息处理费共计{f}元。",
)
OTHER_EXTRA = (
    "{y}年，{s}办理人大代表建议{k}件、政协委员提案{m}件，办结率100%。",
    "无其他需要报告的事项。",
    "积极开展政务开放活动{k}次，邀请群众代表走进机关，零距离感受政府工作。",
)
LEGACY_OVERVIEW = (
    "根据《中华人民共和国政府信息公开条例》要求，特向社会公布{y}年度{a}政府信息公开工作年度报告。本报告由概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请提起行政复议、行政诉讼的情况，存在的主要问题及改进措施，其他需要报告的事项组成。本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
    "{y}年，{s}认真贯彻落实《中华人民共和国政府信息公开条例》，进一步健全工作机制，规范公开程序，政府信息公开工作取得明显成效。",
)
LEGACY_HEADINGS = ("概述", "主动公开政府信息情况", "依申请公开政府信息情况", "政府信息公开的收费及减免情况",
                   "因政府信息公开申请行政复议、提起行政诉讼的情况", "存在的主要问题及改进措施", "其他需要报告的事项")


def _fmt(t, ctx):
    return t.format(**ctx)


# ---------------------------------------------------------------- layout helpers

def _heading_prefix(n, style):
    if style == "dun":
        return f"{CN_NUM[n]}、"
    if style == "dot":
        return f"{CN_NUM[n]}."
    return f"{n}、 " if n == 1 else f"{CN_NUM[n]}、"


def _md_row(cells):
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _table2_rows(old, cells, normative_label, tsv_style):
    """Logical rows of table 2 (4 columns)."""
    sec = "第二十条第（{}）项" if tsv_style else "第二十条　第（{}）项"
    rows = []
    if not old:
        rows += [[sec.format("一"), "", "", ""], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                 ["规章"] + cells["regulations"], [normative_label] + cells["normative_documents"],
                 [sec.format("五"), "", "", ""], ["信息内容", "本年处理决定数量", "", ""],
                 ["行政许可", cells["licensing"][0], "", ""],
                 [sec.format("六"), "", "", ""], ["信息内容", "本年处理决定数量", "", ""],
                 ["行政处罚", cells["penalty"][0], "", ""], ["行政强制", cells["coercion"][0], "", ""],
                 [sec.format("八"), "", "", ""], ["信息内容", "本年收费金额（单位：万元）", "", ""],
                 ["行政事业性收费", cells["fees"][0], "", ""]]
    else:
        rows += [[sec.format("一"), "", "", ""], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
                 ["规章"] + cells["regulations"], [normative_label] + cells["normative_documents"],
                 [sec.format("五"), "", "", ""], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                 ["行政许可"] + cells["licensing"], ["其他对外管理服务事项"] + cells["other_services"],
                 [sec.format("六"), "", "", ""], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                 ["行政处罚"] + cells["penalty"], ["行政强制"] + cells["coercion"],
                 [sec.format("八"), "", "", ""], ["信息内容", "上一年项目数量", "本年增/减", ""],
                 ["行政事业性收费"] + cells["fees"] + [""],
                 [sec.format("九"), "", "", ""], ["信息内容", "采购项目数量", "采购总金额", ""],
                 ["政府集中采购"] + cells["procurement"] + [""]]
    return rows


def _p_half(s):
    s = s.replace("（", " (").replace("）", ") ").replace("，", ", ")
    if s[:1].isdigit() and s[1:2] == ".":
        s = s[:2] + " " + s[2:]
    return " ".join(s.split())


def _p_ocr(s):
    return s.replace("（", "(").replace("）", ")").replace("，", ",").replace("：", ":")


HEAD3 = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
OCR_JUNK = ("(未加粉提的石磙头交头,效", "(本列致据的勾稽关糸", "申请人情况 申 请")


def _table3_rows(vals, old, shape, quirks):
    """Keyed rows (key or None, cells) of table 3 in one of the seeds' shapes.

    shape "tsv" (seed 000/001: label, sub-label, 7 values, padding; numbered items one column right),
    "docx" (seed 004: only the real cells), "ocr" (seed 003: three label columns, one header row).
    vals: {row: [7 cell strings]}.
    """
    half = "half" in quirks
    p = _p_ocr if shape == "ocr" else _p_half if half else (lambda x: x)
    outcomes = OUTCOMES_OLD if old else OUTCOMES_NEW
    rows = []
    if shape == "tsv":
        rows += [(None, [p(HEAD3) if half else HEAD3, "", "申请人情况", "", "", "", "", "", "总计", ""]),
                 (None, ["", "", "自然人", "法人或其他组织", "", "", "", "", "", ""]),
                 (None, ["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "", ""])]
        pad = [""]
    elif shape == "docx":
        rows += [(None, [HEAD3, "申请人情况"]), (None, ["", "自然人", "法人或其他组织", "总计"]),
                 (None, ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""])]
        pad = []
    else:
        rows.append((None, ["", "", "", "", "申请人情况"] + [""] * 8))
        if "junk" in quirks:
            rows.append((None, [quirks["junk"]] + [""] * 12))
        rows.append((None, [_p_ocr(HEAD3), "", "", "自然人", "商业企业", "科研机构", "社会 公益 组织",
                            "法律 服务 机构", "其他", "总计", "", "", ""]))
        pad = ["", "", ""]
    lead = {"tsv": [""], "ocr": ["", ""], "docx": []}[shape]
    for k in ("new_received", "carried_over"):
        rows.append((k, [TOP_LABELS[k]] + lead + vals[k] + pad))
    one = [""] if shape == "ocr" else []
    for k in outcomes:
        if k == "other_handling":
            rows.append((k, ["", p("（六）其他处理")] + one + vals[k] + pad))
            continue
        g, item = ROW_LABELS[k]
        if k == "granted":
            first = "" if "frag" in quirks else TOP_LABELS["results"]
            rows.append((k, [first, p(g + item)] + one + vals[k] + pad))
        elif k == "partially_granted":
            rows.append((k, ["", p(g + item)] + one + vals[k] + pad))
        elif shape == "tsv" and k == "other_other" and "other_other_left" in quirks:
            rows.append((k, [p(item), ""] + vals[k] + pad))
        elif shape == "tsv" and k == "not_processed_confirmation" and "confirm_left" in quirks:
            rows.append((k, [p(item), ""] + vals[k] + pad))
        elif shape == "docx" and k == "not_processed_petition" and "continuation" in quirks:
            rows.append((k, ["", "\n" + g, item] + vals[k]))
        else:
            rows.append((k, ["", p(g) if g else "", p(item)] + vals[k] + pad[:-1 if shape == "tsv" else None]))
    if shape == "docx":
        rows.append(("outcome_total", ["", TOP_LABELS["outcome_total"]] + vals["outcome_total"]))
        rows.append(("carried_forward", [TOP_LABELS["carried_forward"]] + vals["carried_forward"]))
    elif shape == "ocr":
        rows.append(("outcome_total", ["", p(TOP_LABELS["outcome_total"]), ""] + vals["outcome_total"] + pad))
        rows.append(("carried_forward", [TOP_LABELS["carried_forward"], "", ""] + vals["carried_forward"] + pad))
    else:
        rows.append(("outcome_total", [p(TOP_LABELS["outcome_total"]), ""] + vals["outcome_total"] + pad))
        rows.append(("carried_forward", [TOP_LABELS["carried_forward"], ""] + vals["carried_forward"] + pad))
    if "frag" in quirks:
        for (k, cells), frag in zip([r for r in rows if r[0] in ("unavailable_unclear", "not_processed_petition",
                                                               "not_processed_repeated")],
                                    ("三、本 年度办", "理结果", "")):
            cells[0] = frag
    return rows


T4_HEAD = [["行政复议", "", "", "", "", "行政诉讼", "", "", "", "", "", "", "", "", ""],
           ["结果 维持", "结果 纠正", "其他 结果", "尚未 审结", "总计", "未经复议直接起诉", "", "", "", "",
            "复议后起诉", "", "", "", ""],
           ["", "", "", "", "", "结果 维持", "结果 纠正", "其他 结果", "尚未 审结", "总计",
            "结果 维持", "结果 纠正", "其他 结果", "尚未 审结", "总计"]]
T4_HEAD_DOCX = [["行政复议", "行政诉讼"],
                ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
                ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
                 "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]]


def _ocr_digit(s, rng):
    """OCR look-alikes of report-format.md: О/O for 0, l for a 1 beside another digit."""
    if "0" in s and rng.random() < 0.5:
        i = s.index("0")
        return s[:i] + rng.choice("ООO") + s[i + 1:]
    ones = [i for i, c in enumerate(s) if c == "1" and any(s[j:j + 1].isdigit() for j in (i - 1, i + 1) if j >= 0)]
    if ones and rng.random() < 0.3:
        i = ones[0]
        return s[:i] + "l" + s[i + 1:]
    return s


def _space_in(s, rng):
    if len(s) < 4 or rng.random() < 0.75:
        return s
    i = rng.randint(2, len(s) - 1)
    if s[i - 1].isdigit() or s[i].isdigit() or s[i - 1] in ".(（ " or s[i] in " )）":
        return s
    return s[:i] + " " + s[i:]


# ---------------------------------------------------------------- one report

def _report(i, seed, layouts, years):
    rng = random.Random(seed * 1_000_003 + i)
    layout = rng.choices(LAYOUTS, weights=LAYOUT_WEIGHTS)[0] if layouts is None else rng.choice(layouts)
    if years is None:
        r = rng.random()
        year = rng.randint(2008, 2018) if r < 0.18 else rng.randint(2019, 2020) if r < 0.38 else rng.randint(2021, 2024)
    else:
        year = rng.choice(years)
    agency, short, region, kind = _agency(rng)
    legacy = year < 2019
    if legacy and layout == "ocr":
        layout = "tsv"
    ctx = {"y": year, "s": short, "a": agency}
    published = None
    sig_date = None
    if rng.random() < 0.5:
        py = year + 1
        pm = rng.randint(1, 3)
        pd = rng.randint(1, 28)
        published = f"{py:04d}-{pm:02d}-{pd:02d}"
        r = rng.random()
        if r < 0.15:
            sig_date = _cn_date(py, pm, pd)
        elif r < 0.3:
            sig_date = f"{py}年{pm:02d}月{pd:02d}日"
        else:
            sig_date = f"{py}年{pm}月{pd}日"
        sig_date = _signature(rng, agency, sig_date)
    if legacy:
        return _legacy(rng, i, layout, year, agency, short, region, kind, published, sig_date, ctx)
    return _modern(rng, i, layout, year, agency, short, region, kind, published, sig_date, ctx)


_OPENCC = {}


def _opencc(config):
    if config not in _OPENCC:
        from opencc import OpenCC
        _OPENCC[config] = OpenCC(config)
    return _OPENCC[config]


def _traditional(text, expected, title_lines):
    """The same report in traditional characters (as many older ones are also published), when that
    round-trips exactly; the record keeps the agency in simplified characters."""
    s2t, t2s = _opencc("s2t"), _opencc("t2s")
    lines = text.split("\n")
    trad = [s2t.convert(x) if x else x for x in lines]
    if any(t2s.convert(t) != x for t, x in zip(trad, lines) if x):
        return text
    expected["title"] = _norm_heading("".join(s2t.convert(x) for x in title_lines))
    for sec in expected["sections"]:
        sec["heading"] = s2t.convert(sec["heading"])
        sec["text"] = "\n".join(s2t.convert(x) for x in sec["text"].split("\n"))
    return "\n".join(trad)


def _cn_date(y, m, d):
    """二〇二五年一月六日, as official documents print dates."""
    def small(n):
        return CN_NUM[n] if n <= 10 else ("十" if n < 20 else CN_NUM[n // 10] + "十") + (CN_NUM[n % 10] if n % 10 else "")
    return "".join("〇一二三四五六七八九"[int(c)] for c in str(y)) + f"年{small(m)}月{small(d)}日"


def _signature(rng, agency, date):
    """Closing block: the agency (sometimes, and always when long, over two lines; sometimes absent) and the date."""
    r = rng.random()
    if r < 0.15:
        return date
    if (r < 0.3 and len(agency) > 10) or len(agency) > 24:
        k = _body_start(agency)
        if 2 <= k <= len(agency) - 2:
            return f"{agency[:k]}\n{agency[k:]}\n{date}"
    return f"{agency}\n{date}"


_BODIES = sorted(set(CITY_BODIES + COUNTY_BODIES + PROVINCE_BODIES + MUNI_BODIES + ZONES + ("人民政府", "办事处")),
                 key=len, reverse=True)


def _body_start(agency):
    """Where the body's own name begins after the place names (a long signature wraps there)."""
    for body in _BODIES:
        if agency.endswith(body):
            return len(agency) - len(body)
    return 0


def _finish(rng, i, layout, text, expected, title_lines):
    if layout != "ocr" and rng.random() < 0.04:
        text = _traditional(text, expected, title_lines)
    encoding = "utf-8"
    r = rng.random()
    if r < 0.06:
        try:
            data = text.encode("gbk")
            encoding = "gbk"
        except UnicodeEncodeError:
            data = text.encode("utf-8")
    elif r < 0.09:
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
        encoding = "utf-8-sig"
    else:
        data = text.encode("utf-8")
    return GeneratedReport(f"gen_{i:06d}.txt", data, expected, layout, encoding)


def _title_lines(rng, layout, agency, year, with_year=True):
    """Printed title lines and the record's title."""
    title = f"{agency}{year}年政府信息公开工作年度报告"
    r = rng.random()
    if not with_year:
        return [agency, "政府信息公开工作年度报告"], f"{agency}政府信息公开工作年度报告"
    if layout == "docx" and r < 0.5:
        return [agency, f"{year}年政府信息公开工作年度报告"], title
    if layout in ("markdown", "tsv", "ocr") and r < 0.5:
        line = f"{agency} {year} 年政府信息公开工作年度报告"
    else:
        line = title
    if layout == "ocr" and rng.random() < 0.5:
        line = line.replace("政府信息公开", "政府信息 公开", 1)
    return [line], title


def _modern(rng, i, layout, year, agency, short, region, kind, published, sig_date, ctx):
    old = year <= 2020
    ocr = layout == "ocr"
    docx = layout == "docx"
    # ---- numbers
    req = _requests(rng, old)
    appeals = _appeals(rng)
    active, t2cells = _active(rng, old, kind)
    flaws = set()
    r = rng.random()
    if r < 0.04:
        flaws.add("balance")
    elif r < 0.08:
        flaws.add("row_total")
    elif r < 0.10:
        flaws.add("outcome_sum")
    if rng.random() < 0.04:
        flaws.add("group_total")
    if "balance" in flaws:
        c = rng.choice(APPLICANTS[:2])
        d = rng.randint(1, 3)
        req["carried_forward"][c] += d
        req["carried_forward"]["total"] += d
    if "row_total" in flaws:
        k = rng.choice(list(req))
        req[k]["total"] += rng.choice((1, 2, 10, -1)) if req[k]["total"] else rng.randint(1, 3)
    if "outcome_sum" in flaws:
        c = rng.choice(APPLICANTS[:1])
        req["outcome_total"][c] += 1
        req["outcome_total"]["total"] += 1
    if "group_total" in flaws:
        g = rng.choice(GROUPS)
        appeals[g]["total"] += rng.randint(1, 2)
    new_total = req["new_received"]["total"]
    # ---- structure
    omit6 = rng.random() < 0.03
    empty5 = rng.random() < 0.02
    omit_t4 = rng.random() < 0.02
    omit_t2 = rng.random() < 0.015
    hstyle = "dun" if rng.random() < 0.8 else "dot" if not docx else "arabic1"
    if docx and rng.random() < 0.3:
        hstyle = "arabic1"
    half = ocr or (layout in ("markdown", "tsv") and rng.random() < 0.6)
    fee_charged = False
    fee_explained = False
    # ---- section 1
    s1 = []
    s1.append(_fmt(rng.choice(OPENINGS) + rng.choice(OPENING_MORE), dict(ctx, k=rng.randint(2, 12))))
    inline = docx and rng.random() < 0.6
    narrative = None
    subs = []
    n_active = rng.choice((rng.randint(5, 60), rng.randint(60, 900), rng.randint(900, 6000)))
    ctx2 = dict(ctx, n=n_active, m=rng.randint(20, 999), m2=rng.randint(1, 30), k=rng.randint(1, 15))
    p_active = _fmt(rng.choice(ACTIVE_SENT), ctx2)
    if rng.random() < 0.5:
        p_active += _fmt(rng.choice(ACTIVE_EXTRA), ctx2)
    narr_mismatch = rng.random() < 0.05
    if rng.random() < 0.75:
        narrative = new_total
        if narr_mismatch:
            narrative = max(0, new_total + rng.choice((-2, -1, 1, 2, 5)))
            if narrative == new_total:
                narrative += 1
        p_req = _fmt(rng.choice(REQ_SENT_NUM), dict(ctx, n=narrative))
    else:
        p_req = rng.choice(REQ_SENT_NONE)
    charge_mode = rng.random()
    if new_total > 20 and charge_mode < 0.08:
        fee_charged = True
        p_req = p_req + REQ_FEE_CHARGED
    if rng.random() < 0.7:
        p_active += rng.choice(ACTIVE_MORE)
    if rng.random() < 0.6:
        p_req = rng.choice(REQ_MORE) + p_req
    topical = [t for lo, hi, t in TOPICAL.values() if lo <= year <= hi]
    if topical and rng.random() < 0.6:
        p_active += _fmt(rng.choice(topical), ctx2)
    picks = [rng.sample(pool, rng.choice((2, 2, 3))) for pool in (MANAGE_SENT + MANAGE_MORE,
                                                                   PLATFORM_SENT + PLATFORM_MORE,
                                                                   SUPERVISE_SENT + SUPERVISE_MORE)]
    subs = [p_active, p_req, "".join(picks[0]), _fmt("".join(picks[1]), ctx2), _fmt("".join(picks[2]), ctx2)]
    variant = list(SUB1_INLINE) if inline else [rng.choice(v) for v in SUB1]
    for h, body in zip(variant, subs):
        if inline:
            s1.append(f"{h}。{body}")
        else:
            s1.append(h + ("：" if rng.random() < 0.1 else ""))
            s1.append(body)
    # ---- section 5
    s5 = [] if empty5 else [_fmt(rng.choice(PROBLEMS), ctx)]
    if not empty5:
        s5 += rng.sample(IMPROVE, rng.choice((1, 1, 2)))
    # ---- section 6
    s6 = []
    if fee_charged:
        if rng.random() < 0.6:
            fee_explained = True
            f = rng.choice((rng.randint(10, 500), rng.randint(500, 8000)))
            s6.append(_fmt(rng.choice(OTHER_FEE_EXPLAINED), dict(ctx, f=f, m=rng.randint(1, 6))))
        else:
            s6.append(_fmt(rng.choice(OTHER_EXTRA), ctx2))
    else:
        c6 = rng.random()
        if c6 < 0.1:
            s6.append("无")
        else:
            s6.append(_fmt(rng.choice(OTHER_NO_FEE), ctx))
            if rng.random() < 0.3:
                s6.append(_fmt(rng.choice(OTHER_EXTRA[:1] + OTHER_EXTRA[2:]), ctx2))
    if omit6:
        fee_explained = False
    if ocr:
        s1 = [_ocr_prose(x) for x in s1]
        s5 = [_ocr_prose(x) for x in s5]
        s6 = [_ocr_prose(x) for x in s6]
    # ---- cells
    vals = {}
    drops = []
    zero_mark = rng.choice(ZERO_MARKS) if not ocr and rng.random() < 0.12 else None
    wide = not ocr and rng.random() < 0.04
    for k, row in req.items():
        cells = [str(row[c]) for c in COLS]
        if ocr:
            cells = [_ocr_digit(x, rng) if rng.random() < 0.08 else x for x in cells]
        elif zero_mark is not None and row["total"] and (zero_mark or row["natural_person"]):
            cells = [zero_mark if x == "0" else x for x in cells[:6]] + cells[6:]
        if wide:
            cells = [x.translate(FULLWIDTH) for x in cells]
        vals[k] = cells
    stats = {} if omit_t2 else {"active": active}
    stats["requests"] = req
    if not omit_t4:
        stats["appeals"] = appeals
    t4vals = [str(appeals[g][f]) for g in GROUPS for f in GROUP_FIELDS]
    if zero_mark and any(appeals[g]["total"] for g in GROUPS):
        t4vals = [zero_mark if x == "0" and j % 5 != 4 else x for j, x in enumerate(t4vals)]
    if docx and rng.random() < 0.2:
        j = rng.randrange(len(t4vals))
        t4vals[j] += "\u00a0"
    if ocr:
        t4vals = [_ocr_digit(x, rng) if rng.random() < 0.1 else x for x in t4vals]
        for k in t2cells:
            t2cells[k] = [_ocr_digit(x, rng) if rng.random() < 0.1 and "." not in x else x for x in t2cells[k]]
    quirks = {}
    shape = "docx" if docx else "ocr" if ocr and rng.random() < 0.7 else "tsv"
    if half:
        quirks["half"] = 1
    if rng.random() < 0.5:
        quirks["other_other_left"] = 1
    if layout == "markdown" and rng.random() < 0.5:
        quirks["confirm_left"] = 1
    if docx and rng.random() < 0.3:
        quirks["continuation"] = 1
    if shape == "ocr" and rng.random() < 0.3:
        quirks["junk"] = rng.choice(OCR_JUNK)
    if shape == "ocr" and rng.random() < 0.3:
        quirks["frag"] = 1
    normative_label = "行政规范性文件" if not old and rng.random() < 0.7 else "规范性文件"
    # ---- render
    preface = None
    if docx or rng.random() < 0.15:
        preface = (f"根据《中华人民共和国政府信息公开条例》等规定，发布本年度报告。报告中所列数据统计期限为{year}年1月1日至12月31日。"
                   "本报告电子版可在本机关门户网站查阅。")
    title_lines, title = _title_lines(rng, layout, agency, year, with_year=not (docx and rng.random() < 0.3))
    sections = []

    def heading(n):
        """The heading as printed: PDF text may put a space inside it or split it over two lines."""
        h = _heading_prefix(n, hstyle) + HEADINGS[n]
        r = rng.random()
        if ocr and n == 3 and r < 0.2:
            h = h.replace("政府信息公开", "政府信息 公开")
        elif not ocr and n in (2, 5) and r < 0.03:
            h = h[:5] + " " + h[5:]
        elif not ocr and n == 4 and r < 0.05:
            h = h.replace("行政复议、", "行政复议、\n")
        elif not ocr and n == 3 and r < 0.03:
            h = h.replace("政府信息公开", "政府信息\n公开")
        return h

    para_sep = "\n" if docx else "\n\n"
    pieces = []
    if layout in ("markdown", "tsv", "ocr"):
        pieces.append("\n" if rng.random() < 0.5 else "")
    pieces.append("\n".join(title_lines) if docx else "\n".join(title_lines))
    if preface:
        pieces.append(preface)
    doc_lines = []  # (kind, content)

    def add_section(n, prose, table_text=None):
        h = heading(n)
        sections.append({"n": n, "anchor": f"s{n}", "heading": _norm_heading(h.replace("\n", "")),
                         "text": "\n".join(prose)})
        block = [h]
        if docx:
            block += [("　　" + x if rng.random() < 0.5 else x) for x in prose]
        else:
            block += prose
        if table_text is not None:
            block.append(table_text)
        pieces.append(para_sep.join(block))

    add_section(1, s1)
    t2rows = _table2_rows(old, t2cells, normative_label, not docx)
    if ocr:
        t2rows = [[_p_ocr(c) for c in r] for r in t2rows]
    if omit_t2:
        add_section(2, [f"{short}不涉及规章、规范性文件制发及行政许可、行政处罚、行政强制、行政事业性收费等事项。"])
    else:
        add_section(2, [], _render_table(layout, t2rows, rng, "t2"))
    t3rows = _table3_rows(vals, old, shape, quirks)
    if ocr:
        _ocr_table3(t3rows, req, rng, drops)
    add_section(3, [], _render_table(layout, [r for _, r in t3rows], rng, "t3"))
    if omit_t4:
        add_section(4, ["本年度未发生因政府信息公开引起的行政复议、行政诉讼。"])
    else:
        if docx:
            t4 = T4_HEAD_DOCX + [t4vals]
        else:
            t4 = [list(r) for r in T4_HEAD] + [t4vals]
            if ocr and rng.random() < 0.4:
                t4[1] = ["结果 结果 身", "+ /h", "光十", "", "未经复议直接起诉", "", "", "", "复议后起诉", "", "", "", "", "", ""]
        add_section(4, [], _render_table(layout, t4, rng, "t4"))
    add_section(5, s5)
    if not omit6:
        add_section(6, s6)
    if layout == "markdown" and not omit6 and rng.random() < 0.3:
        pieces[-1] += f"\n\n{short}门户网站网址为 <http://www.example.gov.cn/>，如需了解更多政府信息，请登录查询。"
        sections[-1]["text"] += f"\n{short}门户网站网址为 <http://www.example.gov.cn/>，如需了解更多政府信息，请登录查询。"
    if sig_date:
        pieces.append(sig_date)
    text = para_sep.join(pieces) + "\n"
    ns = [s["n"] for s in sections]
    expected = {
        "title": title, "agency": agency, "year": year, "published": published, "region": region,
        "format": "2019", "sections": sections, "stats": stats,
        "checks": compute_checks(stats, ns, "\n".join(s5), narrative, fee_charged, fee_explained),
        "warnings": drops,
    }
    return _finish(rng, i, layout, text, expected, title_lines)


_CJK_CHARS = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_SPACE = re.compile(rf"\s+(?=[{_CJK_CHARS}])|(?<=[{_CJK_CHARS}])\s+")


def _norm_heading(h):
    """Record convention: whitespace next to a CJK character removed, other runs collapsed."""
    return _CJK_SPACE.sub("", " ".join(h.split()))


def _ocr_prose(s):
    return (s.replace("，", ",").replace("（", "(").replace("）", ")").replace("“", '"').replace("”", '"')
            .replace("；", ";").replace("：", ":"))


def _ocr_table3(rows, req, rng, drops):
    """Seed-003 noise, in place: spaces in labels, a garbled row label, a cell lost from an all-zero row."""
    budget = rng.choice((0, 0, 1, 2))
    for key, cells in rows:
        for j, c in enumerate(cells):
            if c and not _is_num(c):
                cells[j] = _space_in(c, rng)
        if key == "other_no_fee" and rng.random() < 0.3:
            cells[2] = "12 用语人逾期未按收费通知要求缴"
        if budget and key and all(req[key][c] == 0 for c in COLS) and rng.random() < 0.3:
            nums = [j for j, c in enumerate(cells) if _is_num(c)]
            del cells[rng.choice(nums)]
            drops.append(f"row {key}: cell missing")
            budget -= 1


def _is_num(c):
    return c[:1] in "0123456789ОOl" and c.replace(".", "").replace("О", "0").replace("O", "0").replace("l", "1").isdigit()


def _render_table(layout, rows, rng, which):
    if layout == "markdown":
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = [_md_row(rows[0]), "|" + "|".join("-" * rng.choice((2, 4, 8, 10)) for _ in range(width)) + "|"]
        lines += [_md_row(r) for r in rows[1:]]
        return "\n".join(lines)
    if layout in ("tsv", "ocr"):
        if layout == "ocr" and which == "t2":
            rows = [r + [""] * 6 for r in rows]
        return "\n".join("\t".join(r) for r in rows)
    # docx: one cell per line, a tab before each cell, a blank line between rows
    out = []
    bookmark = rng.random() < 0.2
    for ri, r in enumerate(rows):
        if which == "t2":
            r = _docx_trim(r)
        cells = []
        for c in r:
            if c == "自然人" and rng.random() < 0.5:
                c = "\n".join(c)
            elif bookmark and c.isdigit() and rng.random() < 0.05:
                c = "[bookmark: _GoBack]" + c
                bookmark = False
            cells.append("\t" + c)
        out.append("\n".join(cells))
    return "\n\n".join(out) + "\n\n"


def _docx_trim(r):
    """DOCX rows carry only their real cells: drop the trailing padding of the text layouts."""
    while r and r[-1] == "":
        r = r[:-1]
    return r


# ---------------------------------------------------------------- legacy (2008-2018)

def _legacy(rng, i, layout, year, agency, short, region, kind, published, sig_date, ctx):
    docx = layout == "docx"
    stats = {}
    pub = rng.randint(10, 800) if kind in ("town", "county") else rng.choice((rng.randint(20, 400),
                                                                              rng.randint(400, 20000)))
    reqs = rng.choice((0, rng.randint(1, 30), rng.randint(30, 2000)))
    rev = rng.choice((0, 0, 0, rng.randint(1, 5)))
    law = rng.choice((0, 0, 0, rng.randint(1, 3)))
    headings = list(LEGACY_HEADINGS)
    if rng.random() < 0.3:
        headings.remove("政府信息公开的收费及减免情况")
    if rng.random() < 0.2:
        headings[0] = "概况"
    if rng.random() < 0.2:
        headings[-2] = "存在的主要问题及改进情况"
    bodies = []
    for h in headings:
        if h in ("概述", "概况"):
            bodies.append([_fmt(rng.choice(LEGACY_OVERVIEW), ctx)])
        elif h == "主动公开政府信息情况":
            if rng.random() < 0.85:
                stats["published_items"] = pub
                b = f"{year}年，{short}全年共主动公开政府信息{pub}条。"
                if rng.random() < 0.5:
                    b += f"其中，机构职能类信息{rng.randint(1, 30)}件，政策法规类信息{rng.randint(1, 90)}件，工作动态类信息若干。"
            else:
                b = "主动公开的信息主要包括机构职能、政策法规、规划计划、工作动态、人事信息等内容。"
            bodies.append([b, "公开形式主要有政府门户网站、政务公开栏、新闻发布会及报刊、广播、电视等。"])
        elif h == "依申请公开政府信息情况":
            if rng.random() < 0.9:
                stats["requests_received"] = reqs
                b = f"{year}年，{short}共收到政府信息公开申请{reqs}件" + ("，均已按期答复。" if reqs else "。")
            else:
                b = "依申请公开工作依法有序开展，申请渠道畅通。"
            bodies.append([b])
        elif h == "政府信息公开的收费及减免情况":
            bodies.append([f"{year}年，{short}在政府信息公开工作中未收取任何费用，也未发生减免情况。"])
        elif h.startswith("因政府信息公开申请"):
            if rng.random() < 0.7:
                stats["reviews"] = rev
                stats["lawsuits"] = law
                b = f"{year}年，因政府信息公开申请提起行政复议{rev}件，提起行政诉讼{law}件。"
            else:
                b = "政府信息公开申请的办理过程依法规范，相关申诉渠道畅通。"
            bodies.append([b])
        elif h.startswith("存在的主要问题"):
            bodies.append([_fmt(rng.choice(PROBLEMS), ctx), rng.choice(IMPROVE)])
        else:
            bodies.append([rng.choice(("无。", "无其他需要报告的事项。", f"{short}政府信息公开工作年度报告电子版可在门户网站下载。"))])
    title_lines, title = _title_lines(rng, layout, agency, year)
    pieces = []
    if layout != "docx" and rng.random() < 0.5:
        pieces.append("")
    pieces.append("\n".join(title_lines))
    sections = []
    para_sep = "\n" if docx else "\n\n"
    for n, (h, body) in enumerate(zip(headings, bodies), start=1):
        printed = f"{CN_NUM[n]}、{h}"
        sections.append({"n": n, "anchor": f"s{n}", "heading": printed, "text": "\n".join(body)})
        pieces.append(para_sep.join([printed] + [("　　" + b if docx else b) for b in body]))
    if sig_date:
        pieces.append(sig_date)
    text = para_sep.join(pieces) + "\n"
    st = {"legacy": stats}
    expected = {"title": title, "agency": agency, "year": year, "published": published, "region": region,
                "format": "legacy", "sections": sections, "stats": st,
                "checks": compute_checks(st, [], "", None, False, False), "warnings": []}
    return _finish(rng, i, layout, text, expected, title_lines)


# ---------------------------------------------------------------- API

def generate(n: int, seed: int = 0, layouts=None, years=None, start: int = 0):
    """Yield reports start..n-1; report i depends only on (seed, i, layouts, years)."""
    if layouts is not None:
        layouts = tuple(layouts)
        bad = set(layouts) - set(LAYOUTS)
        if bad:
            raise ValueError(f"unknown layouts: {sorted(bad)}")
    if years is not None:
        years = tuple(int(y) for y in years)
    for i in range(start, n):
        yield _report(i, seed, layouts, years)


def write_files(folder, n, seed=0):
    """Write n generated reports into folder as files, numbered in order; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, rep in enumerate(generate(n, seed=seed)):
        path = folder / f"{i:06d}-{Path(rep.filename).name}"
        path.write_bytes(rep.data)
        paths.append(path)
    return paths


def build_regions():
    """Rebuild gen_regions.json from cpca's gazetteer, keeping only names cpca resolves back to their region."""
    import csv
    import cpca
    path = Path(cpca.__file__).parent / "resources" / "adcodes.csv"
    with open(path, encoding="utf-8") as f:
        names = {row["adcode"][:6]: row["name"] for row in csv.DictReader(f)}
    muni = {"11", "12", "31", "50"}
    skip = {"71", "81", "82"}
    provinces = {c: n for c, n in names.items() if c.endswith("0000") and c[:2] not in skip}
    cities = {c: n for c, n in names.items() if c.endswith("00") and not c.endswith("0000")
              and c[:2] not in muni | skip and "直辖" not in n and n != "市辖区"}

    def resolve(strings):
        df = cpca.transform(strings)
        out = []
        for p, c, d in zip(df["省"], df["市"], df["区"]):
            p, c, d = (None if v != v else v for v in (p, c, d))
            out.append((p, p if p in MUNICIPALITIES else c, d))
        return out

    cand = []
    for code, d in names.items():
        p = provinces.get(code[:2] + "0000")
        c = p if code[:2] in muni else cities.get(code[:4] + "00")
        if not code.endswith("00") and p and c:
            cand.append((p, c, d))
    tests = []
    for p, c, d in cand:
        tests += [f"{p}{d}人民政府办公室" if p == c else f"{p}{c}{d}人民政府办公室", f"{c}{d}人民政府",
                  f"{d}人民政府", f"{c}{d}城关镇人民政府", f"{c}{d}卫生健康局"]
    got = resolve(tests)
    counties = [[p, c, d, int(got[5 * i + 2] == (p, c, d))] for i, (p, c, d) in enumerate(cand)
                if all(got[5 * i + j] == (p, c, d) for j in (0, 1, 3, 4))]
    cc = [(provinces[k[:2] + "0000"], v) for k, v in cities.items() if k[:2] + "0000" in provinces]
    got = resolve([f"{c}{b}" for _, c in cc for b in ("卫生健康委员会", "高新技术产业开发区管理委员会", "人民政府办公室",
                                                       "公安局")])
    city_list = [[p, c] for i, (p, c) in enumerate(cc) if all(g == (p, c, None) for g in got[4 * i:4 * i + 4])]
    pl = sorted(provinces.values())
    got = resolve([f"{p}{b}" for p in pl for b in ("人民政府办公厅", "卫生健康委员会")])
    prov_list = [p for i, p in enumerate(pl)
                 if got[2 * i] == got[2 * i + 1] == (p, p if p in MUNICIPALITIES else None, None)]
    data = {"counties": sorted(counties), "cities": sorted(city_list), "provinces": prov_list}
    (DATA / "gen_regions.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                                           encoding="utf-8")
    return data


def main(argv=None):
    import argparse
    import time
    ap = argparse.ArgumentParser(prog="python -m tools.generate", description="生成合成年度报告（含标准答案）")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="写入目录：gen_*.txt 与 gen_*.json")
    ap.add_argument("--build-regions", action="store_true", help="用 cpca 重建 data/gen_regions.json")
    args = ap.parse_args(argv)
    if args.build_regions:
        data = build_regions()
        print({k: len(v) for k, v in data.items()}, file=sys.stderr)
        return
    t = time.perf_counter()
    count = 0
    size = 0
    for rep in generate(args.n, args.seed):
        count += 1
        size += len(rep.data)
        if args.out:
            d = Path(args.out)
            d.mkdir(parents=True, exist_ok=True)
            (d / rep.filename).write_bytes(rep.data)
            (d / (rep.filename[:-4] + ".json")).write_text(json.dumps(rep.expected, ensure_ascii=False, indent=1),
                                                           encoding="utf-8")
    dt = time.perf_counter() - t
    print(f"{count} reports, {size / max(count, 1):.0f} bytes avg, {dt:.2f}s, {count / dt:.0f} reports/s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
