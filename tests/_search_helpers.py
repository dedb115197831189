"""Records for the search tests: hand-made ones with known text, generated ones in bulk, the seeds."""
import hashlib
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEADINGS = {1: "一、总体情况", 2: "二、主动公开政府信息情况", 3: "三、收到和处理政府信息公开申请情况",
            4: "四、政府信息公开行政复议、行政诉讼情况", 5: "五、存在的主要问题及改进情况", 6: "六、其他需要报告的事项"}
ROWS = ("new_received", "carried_over", "granted", "partially_granted", "denied_state_secret",
        "denied_prohibited_by_law", "denied_security_stability", "denied_third_party_rights",
        "denied_internal_affairs", "denied_process_information", "denied_enforcement_records",
        "denied_administrative_query", "unavailable_not_held", "unavailable_needs_creation",
        "unavailable_unclear", "not_processed_petition", "not_processed_repeated", "not_processed_publication",
        "not_processed_excessive", "not_processed_confirmation", "other_no_correction", "other_no_fee",
        "other_other", "outcome_total", "carried_forward")
COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other")
CHECKS = ("sections_present", "balance", "outcome_sum", "row_total", "group_total", "narrative", "fee_explained")

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> 行政复议案件'


def _row(total):
    row = dict.fromkeys(COLS, 0)
    row["natural_person"] = total
    row["total"] = total
    return row


def make_record(key, *, agency="焦作市卫生健康委员会", year=2023, region=("河南省", "焦作市", None),
                texts=None, requests=10, reviews=0, lawsuits=0, fees=0.0, failed=(), title=None):
    """A complete record per the record conventions: six sections with prose, all three tables."""
    texts = dict(texts or {})
    sections = []
    for n in range(1, 7):
        text = texts.get(n, {1: f"{year}年，{agency}坚持以公开为常态，不断深化政务公开，主动公开政府信息{requests * 3}条。",
                             5: "存在的主要问题是公开内容不够全面，下一步将加强业务培训。",
                             6: "本年度未收取信息处理费。"}.get(n, ""))
        sections.append({"n": n, "anchor": f"s{n}", "heading": HEADINGS[n], "text": text})
    requests_table = {row: _row(0) for row in ROWS}
    requests_table["new_received"] = _row(requests)
    requests_table["granted"] = _row(requests)
    requests_table["outcome_total"] = _row(requests)
    group = lambda total: {"upheld": total, "corrected": 0, "other": 0, "pending": 0, "total": total}  # noqa: E731
    stats = {
        "active": {"regulations": {"issued": 0, "repealed": 0, "in_force": 0},
                   "normative_documents": {"issued": 1, "repealed": 0, "in_force": 5},
                   "licensing": {"decisions": 3}, "penalty": {"decisions": 2}, "coercion": {"decisions": 0},
                   "fees": {"amount_10k_yuan": fees}},
        "requests": requests_table,
        "appeals": {"review": group(reviews), "litigation_direct": group(lawsuits),
                    "litigation_after_review": group(0)},
    }
    return {
        "id": hashlib.sha256(key.encode()).hexdigest()[:16], "sha256": hashlib.sha256(key.encode()).hexdigest(),
        "title": title or f"{agency}{year}年政府信息公开工作年度报告", "agency": agency, "year": year,
        "published": f"{year + 1}-01-20", "region": dict(zip(("province", "city", "county"), region)),
        "format": "2019", "sections": sections, "stats": stats,
        "checks": [{"rule": r, "ok": r not in failed, "detail": ""} for r in CHECKS], "warnings": [],
    }


def handmade_records():
    """Records whose text the tests know: hostile markup, traditional characters, 行政复议 in prose."""
    return {
        "review_text": make_record("review_text", agency="焦作市自然资源和规划局", year=2024, reviews=2,
                                   texts={4: "本年度共发生政府信息公开行政复议2件，均已依法办结。",
                                          5: "针对行政复议中暴露的问题，我局完善了依申请公开办理流程。"}),
        "review_table_only": make_record("review_table_only", agency="焦作市教育局", year=2024, reviews=3),
        "hostile": make_record("hostile", agency="焦作市司法局", year=2022, lawsuits=1,
                               texts={5: "问题：" + HOSTILE + "，下一步改进。"}),
        "traditional": make_record("traditional", agency="郑州市公安局", year=2021,
                                   region=("河南省", "郑州市", None),
                                   texts={1: "本機關全年受理政府資訊公開申請，辦理行政複議案件1件，依申請公開工作穩步推進。"}),
        "fees": make_record("fees", agency="北京市朝阳区人民政府", year=2020, region=("北京市", "北京市", "朝阳区"),
                            requests=150, fees=1.5, failed=("balance",),
                            texts={6: "本年度收取信息处理费300元。"}),
        "latin": make_record("latin", agency="济源市高新技术产业开发区管理委员会", year=2019,
                             region=("河南省", "济源市", None), requests=0,
                             texts={1: "完善 OpenData 平台，ＡＰＰ端同步发布。"}),
    }


def generated_records(n=200, seed=7):
    """Realistic synthetic records from the project's generator (ids from their bytes)."""
    from tools.generate import generate
    out = []
    for report in generate(n, seed=seed):
        record = dict(report.expected)
        digest = hashlib.sha256(report.data).hexdigest()
        record["id"], record["sha256"] = digest[:16], digest
        out.append(record)
    return out


def seed_records():
    """The five seeds through the real parser; [] while the parser is not available."""
    try:
        from gikportal.extract.text import read_text_document
        from gikportal.parse import parse_document
    except ImportError:
        return []
    out = []
    for path in sorted(SAMPLES.glob("*.txt")):
        data = path.read_bytes()
        record = parse_document(read_text_document(data, path.name))
        digest = hashlib.sha256(data).hexdigest()
        record["id"], record["sha256"] = digest[:16], digest
        out.append(record)
    return out


QUERY_MIX = ["行政复议", "依申请公开", "政务公开", "信息处理费", "政府信息公开申请", "行政複議", "焦作", "北京", "教育局",
             "卫生健康委员会", '"主动公开"', "公开 -行政", "行政复议 OR 行政诉讼", "year:2020-2022 政策解读",
             "requests_new:>=100", "lawsuits:>0", "check:balance", "failed:any 平台", "section:5 培训",
             "agency:上海市人民政府办公厅", "政府网站", "新闻发布会", "12345热线", "不予公开", "三安全一稳定", "规范性文件",
             "财政预决算", "重大建设项目", "营商环境", "乡村振兴", ""]
FILTER_MIX = [{}, {"province": "河南省"}, {"finding": "sued", "sort": "-requests_new"}, {"year": "2022"}]


def bench(n, seed=11):
    """Index n generated reports, then time the query mix: `python tests/_search_helpers.py 1000 10000`."""
    import os
    import tempfile
    import time

    from gikportal import index
    from gikportal.query import SearchParams

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * q))] * 1000

    records = generated_records(n, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index")
        start = time.perf_counter()
        index.rebuild(path, records)
        build = time.perf_counter() - start
        size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
        text = sum(len(s["text"].encode()) for r in records for s in r["sections"])
        index.search(path, SearchParams.from_args({}))
        page, every = [], []
        for _ in range(3):
            for q in QUERY_MIX:
                for extra in FILTER_MIX:
                    params = SearchParams.from_args(dict(extra, q=q))
                    start = time.perf_counter()
                    index.search(path, params)
                    page.append(time.perf_counter() - start)
                start = time.perf_counter()
                index.search_all(path, SearchParams.from_args({"q": q}))
                every.append(time.perf_counter() - start)
    print(f"{n} reports: index build {n / build:.0f} reports/s, index {size / 1e6:.1f} MB "
          f"(section text {text / 1e6:.1f} MB); search page with all facets and snippets "
          f"p50 {pct(page, .5):.1f} ms p95 {pct(page, .95):.1f} ms; search_all p50 {pct(every, .5):.1f} ms "
          f"p95 {pct(every, .95):.1f} ms")


if __name__ == "__main__":
    import sys
    sys.path.insert(0, str(SAMPLES.parent))
    for count in sys.argv[1:] or ["1000"]:
        bench(int(count))
