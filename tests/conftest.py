"""Shared fixtures: a throw-away archive and index per test, the bundled seeds."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gikportal import config as _config  # noqa: E402


@pytest.fixture
def seed_paths():
    paths = sorted(SAMPLES.glob("*.txt"))
    assert len(paths) == 5
    return paths


@pytest.fixture
def portal_config(tmp_path):
    """A full config dict pointing at fresh archive and index folders."""
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(tmp_path / "archive"), INDEX_DIR=str(tmp_path / "index"),
               SAMPLES_DIR=str(SAMPLES), ADMIN_TOKEN="test-token", SECRET_KEY="test",
               TESTING=True, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    return cfg


@pytest.fixture
def cli_env(portal_config):
    """Environment for running the real commands in a subprocess against the test folders."""
    env = dict(os.environ)
    env.update(GIKPORTAL_ARCHIVE_DIR=portal_config["ARCHIVE_DIR"],
               GIKPORTAL_INDEX_DIR=portal_config["INDEX_DIR"], PYTHONPATH=str(ROOT))
    return env
