"""`python app.py` on a fresh clone: samples ingested, portal served, 行政复议 finds the seeds."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def test_python_app_py_serves_the_samples(tmp_path, cli_env):
    port = free_port()
    env = dict(cli_env, GIKPORTAL_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                status, _ = get(base + "/")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.time() < deadline, "portal did not come up"
                time.sleep(0.3)
        assert status == 200
        q = urllib.parse.quote("行政复议")
        _, body = get(f"{base}/api/search?q={q}&per_page=20")
        result = json.loads(body)
        assert result["total"] == 5
        assert {h["agency"] for h in result["hits"]} >= {"焦作市卫生健康委员会", "邢台高新区党政综合办公室"}
        assert all(s["url"].endswith("#s4") and "行政复议" in [s["text"][p["start"]:p["end"]] for p in s["spans"]]
                   for h in result["hits"] for s in h["snippets"])
        _, page = get(f"{base}/search?q={q}")
        assert page.count("<mark>行政复议</mark>") >= 5
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # the samples went into the archive given by the environment, once each
    archive_ids = sorted(p.name for p in Path(cli_env["GIKPORTAL_ARCHIVE_DIR"]).glob("??/*"))
    assert len(archive_ids) == 5
