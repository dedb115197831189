"""Weight: responses compressed (Flask-Compress: brotli, else gzip) and static files fingerprinted.

Every url_for('static', ...) carries ?v=<the first 12 hex digits of the file's SHA-256>, so a
changed file is a new URL; a request with the file's current fingerprint is cached for a year
and marked immutable, any other (no or an old fingerprint) must be revalidated."""
import hashlib
import os
from pathlib import Path

from flask import request
from flask_compress import Compress

YEAR = 365 * 24 * 3600
COMPRESSED = ["text/html", "text/css", "text/csv", "text/plain", "text/javascript", "application/javascript",
              "application/json", "application/xml", "application/atom+xml", "application/opensearchdescription+xml",
              "image/svg+xml"]


def _fingerprint(folder, filename, cache):
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in cache:
        cache[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return cache[key]


def init_assets(app):
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "deflate"])  # static files stream: not gzip
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)  # brotli 5 is as small as gzip 9 at a fraction of 11's time
    Compress(app)
    cache = {}

    @app.url_defaults
    def fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = _fingerprint(app.static_folder, values["filename"], cache)
            if found:
                values["v"] = found

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = os.path.normpath((request.view_args or {}).get("filename") or "")
            current = _fingerprint(app.static_folder, filename, cache)
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
