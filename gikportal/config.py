"""Settings come from the environment so the same code runs in tests, CI and production."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def from_env():
    """Read the GIKPORTAL_* variables; every one has a sane default except the admin token."""
    return {
        "ARCHIVE_DIR": os.environ.get("GIKPORTAL_ARCHIVE_DIR", str(ROOT / "archive")),
        "INDEX_DIR": os.environ.get("GIKPORTAL_INDEX_DIR", str(ROOT / "index")),
        "BACKEND": os.environ.get("GIKPORTAL_BACKEND", "whoosh"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql:///gikportal"),
        # read replicas of DATABASE_URL (comma- or space-separated): searches and pages read there
        "DATABASE_REPLICA_URLS": os.environ.get("GIKPORTAL_DATABASE_REPLICA_URLS", "").replace(",", " ").split(),
        "SAMPLES_DIR": os.environ.get("GIKPORTAL_SAMPLES_DIR", str(ROOT / "samples")),
        "ADMIN_TOKEN": os.environ.get("GIKPORTAL_ADMIN_TOKEN") or None,
        "SECRET_KEY": os.environ.get("GIKPORTAL_SECRET_KEY") or os.urandom(32).hex(),
        "MAX_FILE_BYTES": _int("GIKPORTAL_MAX_FILE_BYTES", 60 * 1024 * 1024),
        "MAX_PDF_PAGES": _int("GIKPORTAL_MAX_PDF_PAGES", 500),
        "MAX_UNZIPPED_BYTES": _int("GIKPORTAL_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024),
        "PARSE_TIMEOUT": _int("GIKPORTAL_PARSE_TIMEOUT", 120),
        "OCR_MAX_PAGES": _int("GIKPORTAL_OCR_MAX_PAGES", 20),
        "OCR_TIMEOUT": _int("GIKPORTAL_OCR_TIMEOUT", 600),
        "OCR_WORKER": os.environ.get("GIKPORTAL_OCR_WORKER", "0") not in ("", "0", "false", "no"),
        # open and warm the index when the app is made (a served process; /healthz says when ready)
        "WARM_INDEX": os.environ.get("GIKPORTAL_WARM_INDEX", "0") not in ("", "0", "false", "no"),
    }
