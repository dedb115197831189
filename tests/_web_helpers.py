"""Portal test helpers: an app on a throw-away archive holding the five seeds (plus extra reports).

Records go in through the real ingest pipeline (`ingest_bytes`), so the pages are tested on what
the parser and the index really produce.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
HEX16 = re.compile(r"^[0-9a-f]{16}$")

# the backend make_app configures: conftest's `backend` fixture sets it per test module
BACKEND = "whoosh"

HOSTILE = ('<script>alert("x")</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(2)')


def make_app(tmp_path, **overrides):
    """An app on fresh folders (and, on PostgreSQL, a fresh database) of the module's backend."""
    from conftest import backend_settings
    from gikportal import create_app

    config = {"ARCHIVE_DIR": str(tmp_path / "archive"), "INDEX_DIR": str(tmp_path / "index"),
              "ADMIN_TOKEN": "t", "SECRET_KEY": "test", "TESTING": True, "RATELIMIT_ENABLED": False,
              "WTF_CSRF_ENABLED": False, "SAMPLES_DIR": str(SAMPLES)}
    config.update(backend_settings(BACKEND))
    config.update(overrides)
    return create_app(config)


def ingest(app, data, filename, source_url=None):
    from gikportal.ingest import ingest_bytes

    result = ingest_bytes(app.config, data, filename, source_url=source_url)
    assert result.status in ("added", "exists"), result.error
    return result


def ingest_seeds(app):
    """Ingest the five seeds; returns {seed file name: record}."""
    records = {}
    for path in sorted(SAMPLES.glob("*.txt")):
        result = ingest(app, path.read_bytes(), path.name, source_url=f"https://example.gov.cn/{path.stem}.html")
        records[path.name] = result.record
    assert len(records) == 5
    return records


def hostile_variant(path=None):
    """A seed whose title-adjacent prose and section 5 carry script and event-handler text."""
    path = path or sorted(SAMPLES.glob("*.txt"))[1]
    text = path.read_text("utf-8")
    payload = "测试" + "".join(HOSTILE) + "测试"
    marker = "五、存在的主要问题及改进情况"
    head, _, tail = text.partition(marker)
    text = head + marker + "\n\n" + payload + "行政复议工作存在不足。\n" + tail
    text = text.replace("（一）主动公开方面", "（一）主动公开方面" + payload, 1)
    return text.encode("utf-8")


def next_year_variant(path, year_from=2024, year_to=2025):
    """The same agency one year later (different bytes, so a different id): for agency pages."""
    text = path.read_text("utf-8").replace(f"{year_from}", f"{year_to}")
    return text.encode("utf-8")


def ids_in(html):
    return set(re.findall(r"/reports/([0-9a-f]{16})", html))


def export_id(cell):
    """The report id of an /export.csv id cell, which is written ="<id>" so spreadsheets keep it as text."""
    assert cell.startswith('="') and cell.endswith('"'), cell
    return cell[2:-1]


def district():
    """(city, district) Places: the first 区 in the gazetteer whose name is unique nationally and
    whose parent is a prefecture city (not a municipality), to build agency names generically."""
    from gikportal.parse import region

    g = region.gazetteer()
    for p in sorted(g.by_code.values(), key=lambda p: p.code):
        parent = g.parent(p)
        if (p.level == 3 and p.name.endswith("区") and g.full_count[p.name] == 1 and len(region.chain(p.name)) == 1
                and parent is not None and parent.level == 2 and parent.name.endswith("市")):
            return parent, p
    raise AssertionError("no district in the gazetteer")


def renamed_seed(seed, name, year):
    """A seed as another body's report of another year: the name its title prints replaced."""
    text = seed.read_text("utf-8")
    printed = next(line for line in text.splitlines() if line.strip()).split()[0]
    return text.replace(printed, name).replace("2024", str(year)).encode("utf-8")
