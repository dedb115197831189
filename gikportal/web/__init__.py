"""The portal's blueprints, security and error pages; `register_blueprints(app)` wires them in."""
from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import (admin, agencies, api, compare, exports, feeds, health, help, rankings, reports, scorecard, search,
               stats)
from .assets import init_assets
from .common import render_snippet
from .security import init_security
from ..labels import CHECKS as CHECK_LABELS
from ..searching import IndexUnavailable

BLUEPRINTS = (search, api, reports, agencies, compare, stats, exports, feeds, help, admin, scorecard, rankings, health)

ERROR_TITLES = {400: "请求有误", 403: "没有权限", 404: "找不到这个页面", 405: "不支持的请求方式",
                413: "文件过大", 429: "请求过于频繁", 500: "服务器出错", 503: "检索暂时不可用",
                507: "磁盘空间不足"}


def number(value):
    """Figures for display: None is a dash (the report does not give it), floats lose trailing zeros."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return value


MESSAGES = {413: "上传的内容超过了大小上限。", 429: "请求过于频繁，请稍后再试。"}


def handle_error(exc):
    code = exc.code if isinstance(exc, HTTPException) else 500
    message = MESSAGES.get(code) or (exc.description if code == 400 else None)
    if isinstance(exc, CSRFError):
        message = "表单已过期或缺少安全令牌，请刷新页面后重新提交。"
    if request.path.startswith("/api/"):
        return jsonify({"error": ERROR_TITLES.get(code, "错误"), "detail": message, "status": code}), code
    return render_template("error.html", code=code, title=ERROR_TITLES.get(code, "出错了"),
                           message=message), code


INDEX_UNAVAILABLE = ("检索索引缺失或已损坏，正在等待从存档重建（flask --app app reindex 或 check --repair，"
                     "或重启门户）；重建完成后本页即恢复。存档中的原件与记录完好，没有丢失。")


def handle_index_unavailable(exc):
    """A lost or damaged index is a 503 the portal recovers from by itself once a rebuild is in
    place (the engine reopens the new directory on the next request), never a traceback."""
    current_app.logger.error("index unavailable: %s", exc)
    if request.path.startswith("/api/"):
        response = jsonify({"error": ERROR_TITLES[503], "detail": INDEX_UNAVAILABLE, "status": 503})
    else:
        response = render_template("error.html", code=503, title=ERROR_TITLES[503], message=INDEX_UNAVAILABLE)
    return response, 503, {"Retry-After": "30", "Cache-Control": "no-store"}


def register_blueprints(app):
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    init_security(app)
    init_assets(app)
    app.add_template_filter(number, "number")
    app.add_template_filter(render_snippet, "snippet")
    app.jinja_env.globals["check_labels"] = CHECK_LABELS
    app.register_error_handler(HTTPException, handle_error)
    app.register_error_handler(IndexUnavailable, handle_index_unavailable)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
