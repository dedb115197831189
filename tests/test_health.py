"""/healthz: a served process says ready only once its index is open and warm."""
import threading

from _web_helpers import ingest_seeds, make_app
from gikportal.web import health


def test_healthz_is_503_while_warming_and_200_after(tmp_path, monkeypatch):
    app = make_app(tmp_path)
    ingest_seeds(app)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # not warmed at start: nothing to wait for

    gate, warmed = threading.Event(), []
    real_warm = health.warm

    def slow_warm(config):
        gate.wait(30)
        real_warm(config)
        warmed.append(config["INDEX_DIR"])

    monkeypatch.setattr(health, "warm", slow_warm)
    state = health.start_warming(app)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "starting"
    gate.set()
    assert state.ready.wait(60)
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ready" and body["warm_ms"] is not None
    assert warmed == [app.config["INDEX_DIR"]] and isinstance(body["pid"], int)


def test_healthz_says_why_warming_failed(tmp_path, monkeypatch):
    app = make_app(tmp_path)

    def broken(config):
        raise OSError("index damaged")

    monkeypatch.setattr(health, "warm", broken)
    health.start_warming(app, background=False)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and "index damaged" in response.get_json()["detail"]


def test_warming_reads_the_index(tmp_path):
    app = make_app(tmp_path)
    ingest_seeds(app)
    state = health.start_warming(app, background=False)
    assert state.ready.is_set() and state.warm_ms >= 0
