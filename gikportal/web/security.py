"""Headers on every response, CSRF and rate limits: the portal never lets a report attack its readers."""
from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

csrf = CSRFProtect()


def api_limit():
    return current_app.config.get("RATELIMIT_API", "600 per minute")


def upload_limit():
    return current_app.config.get("RATELIMIT_UPLOAD", "30 per minute")


def secure_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.method in ("GET", "HEAD") and request.path.startswith(("/api/", "/export.")):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_security(app):
    """CSRF, headers, and one Limiter per app (its own switch and counters, so apps never share)."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    csrf.init_app(app)
    limiter = app.extensions["gikportal_limiter"] = Limiter(get_remote_address, app=app, headers_enabled=True)
    limiter.limit(api_limit)(app.blueprints["api"])
    for endpoint in ("admin.upload", "admin.unparsed"):
        app.view_functions[endpoint] = limiter.limit(upload_limit, methods=["POST"])(app.view_functions[endpoint])
    app.after_request(secure_headers)
