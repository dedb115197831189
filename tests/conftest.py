"""Shared fixtures: a throw-away archive and index per test, the bundled seeds, both search backends.

A test module that sets `BACKENDS = ("whoosh", "postgres")` runs its tests once per backend: the
module-scoped `backend` fixture is parametrised, `portal_config` and `_web_helpers.make_app` then
point at that backend (a fresh database on one PostgreSQL server started for the session by
tools.pgserver). Without the PostgreSQL binaries those tests fail; they never skip.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gikportal import config as _config  # noqa: E402

_server = None


def pg_server():
    """The session's PostgreSQL server, started on first use (stopped in pytest_sessionfinish)."""
    global _server
    if _server is None:
        from tools.pgserver import PostgresServer

        _server = PostgresServer().start()
    return _server


def new_database():
    return pg_server().create_database()


def pytest_sessionfinish(session, exitstatus):
    global _server
    if _server is not None:
        try:
            from gikportal import pgindex

            pgindex.close_pools()
        finally:
            _server.stop()
            _server = None


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and hasattr(metafunc.module, "BACKENDS"):
        metafunc.parametrize("backend", metafunc.module.BACKENDS, indirect=True, scope="module")


def backend_settings(name):
    """Config entries for a backend: Whoosh needs nothing more, PostgreSQL a fresh database."""
    if name == "postgres":
        return {"BACKEND": "postgres", "DATABASE_URL": new_database()}
    return {"BACKEND": "whoosh"}


@pytest.fixture(scope="module")
def backend(request):
    """"whoosh" or "postgres"; make_app in _web_helpers follows it for the module's tests."""
    import _web_helpers

    name = getattr(request, "param", "whoosh")
    previous = _web_helpers.BACKEND
    _web_helpers.BACKEND = name
    yield name
    _web_helpers.BACKEND = previous


@pytest.fixture
def seed_paths():
    paths = sorted(SAMPLES.glob("*.txt"))
    assert len(paths) == 5
    return paths


@pytest.fixture
def portal_config(tmp_path, backend):
    """A full config dict pointing at fresh archive and index folders (and database)."""
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(tmp_path / "archive"), INDEX_DIR=str(tmp_path / "index"),
               SAMPLES_DIR=str(SAMPLES), ADMIN_TOKEN="test-token", SECRET_KEY="test",
               TESTING=True, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    cfg.update(backend_settings(backend))
    return cfg


@pytest.fixture
def cli_env(portal_config):
    """Environment for running the real commands in a subprocess against the test folders."""
    env = dict(os.environ)
    env.update(GIKPORTAL_ARCHIVE_DIR=portal_config["ARCHIVE_DIR"],
               GIKPORTAL_INDEX_DIR=portal_config["INDEX_DIR"], PYTHONPATH=str(ROOT),
               GIKPORTAL_BACKEND=portal_config["BACKEND"])
    if portal_config["BACKEND"] == "postgres":
        env["DATABASE_URL"] = portal_config["DATABASE_URL"]
    return env
