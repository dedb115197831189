"""/healthz: whether this process is ready to answer searches at full speed (200) or not yet (503).

A portal process opens and warms its index at start (`start_warming`, from create_app when
WARM_INDEX is set: app.py under waitress, each gunicorn worker): the first search of a fresh
process otherwise pays for opening the index, loading jieba's dictionary and first imports, up
to seconds at 100,000 reports. A load balancer, the load test and the benchmark send traffic
only once /healthz answers 200.
"""
import os
import threading
import time

from flask import Blueprint, current_app, jsonify

from ..backend import for_config
from ..query import SearchParams

bp = Blueprint("health", __name__)

KEY = "gikportal.health"
WARM_QUERY = {"q": "政府信息"}  # a word of every report: opens the text fields, the columns, the facets
# a word of no report: its suggestion folds the agency names and maps the segments' words files
WARM_TYPO = {"q": "𠀀𠀁"}


class Health:
    """What /healthz says: starting, ready (with how long warming took) or failed (and why)."""

    def __init__(self):
        self.ready = threading.Event()
        self.started = time.monotonic()
        self.warm_ms = None
        self.error = None

    def as_json(self):
        if self.ready.is_set():
            return {"status": "ready", "warm_ms": self.warm_ms, "pid": os.getpid()}
        if self.error:
            return {"status": "failed", "detail": self.error, "pid": os.getpid()}
        return {"status": "starting", "seconds": round(time.monotonic() - self.started, 1), "pid": os.getpid()}


def warm(config):
    """Open the index and run one search with facets and snippets, then read one report's
    sections: every per-process cost of a first query (the index's columns, jieba's dictionary,
    the ordering ranks, the id lookup, the agency pairs and the suggestions' agency names, lazy
    imports) is paid here instead of by a visitor."""
    engine = for_config(config)
    if not engine.exists():
        return
    result = engine.search(SearchParams.from_args(WARM_QUERY))
    engine.search(SearchParams.from_args({"q": ""}), facets=True)
    engine.search(SearchParams.from_args(WARM_TYPO))
    if result["hits"]:
        engine.sections([result["hits"][0]["id"]], ())
        if result["hits"][0].get("agency"):  # an agency filter: the index's (key, name) pairs
            engine.search(SearchParams.from_args({"q": "", "agency": result["hits"][0]["agency"]}))


def start_warming(app, background=True):
    """Warm the app's index (in a daemon thread unless background=False); /healthz says ready
    when done. Returns the Health record."""
    health = app.extensions.setdefault(KEY, Health())
    health.ready.clear()
    health.started, health.error = time.monotonic(), None
    config = dict(app.config)

    def run():
        start = time.perf_counter()
        try:
            warm(config)
        except Exception as exc:  # noqa: BLE001 - reported by /healthz, the server keeps running
            health.error = f"{type(exc).__name__}: {exc}"[:300]
            return
        health.warm_ms = round((time.perf_counter() - start) * 1000, 1)
        health.ready.set()

    if background:
        threading.Thread(target=run, name="gikportal-warm", daemon=True).start()
    else:
        run()
    return health


@bp.get("/healthz")
def healthz():
    health = current_app.extensions.get(KEY)
    if health is None:  # not warmed at start (tests, the CLI): ready as soon as it answers
        return jsonify({"status": "ready", "warm_ms": None, "pid": os.getpid()}), 200
    return jsonify(health.as_json()), 200 if health.ready.is_set() else 503
