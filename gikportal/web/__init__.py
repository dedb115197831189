"""The portal's blueprints, security and error pages; `register_blueprints(app)` wires them in."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import admin, agencies, api, compare, exports, feeds, rankings, reports, scorecard, search, stats
from .common import render_snippet
from .security import init_security
from ..labels import CHECKS as CHECK_LABELS

BLUEPRINTS = (search, api, reports, agencies, compare, stats, exports, feeds, admin, scorecard, rankings)

ERROR_TITLES = {400: "请求有误", 403: "没有权限", 404: "找不到这个页面", 405: "不支持的请求方式",
                413: "文件过大", 429: "请求过于频繁", 500: "服务器出错"}


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


def register_blueprints(app):
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    init_security(app)
    app.add_template_filter(number, "number")
    app.add_template_filter(render_snippet, "snippet")
    app.jinja_env.globals["check_labels"] = CHECK_LABELS
    app.register_error_handler(HTTPException, handle_error)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
