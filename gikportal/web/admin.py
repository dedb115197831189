"""Upload with the admin token (constant-time check, CSRF, size limit) and the unparsed list."""
import hmac

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, URLField
from wtforms.validators import DataRequired, Length, Optional, URL

from ..archive import is_read_only
from ..figures import HEADLINE_LABELS
from . import common
from ..labels import CHECKS as CHECK_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")


class TokenForm(FlaskForm):
    token = PasswordField("管理令牌", validators=[DataRequired("请填写管理令牌。"), Length(max=500)])


class UploadForm(FlaskForm):
    token = PasswordField("管理令牌", validators=[DataRequired("请填写管理令牌。"), Length(max=500)])
    report = FileField("报告文件（PDF、DOCX、HTML 或文本）", validators=[FileRequired("请选择要上传的文件。")])
    source_url = URLField("来源网址（可选）", validators=[Optional(), URL(message="网址格式不正确。"), Length(max=2000)])


def token_ok(given):
    expected = current_app.config.get("ADMIN_TOKEN") or ""
    return bool(expected) and hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


def disabled():
    return render_template("admin/disabled.html"), 403


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    if not current_app.config.get("ADMIN_TOKEN"):
        return disabled()
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("admin/upload.html", form=form), (400 if form.is_submitted() else 200)
    if not token_ok(form.token.data):
        form.token.errors = ["管理令牌不正确，未保存任何内容。"]
        return render_template("admin/upload.html", form=form), 403
    session["admin"] = True
    upload = form.report.data
    limit = current_app.config["MAX_FILE_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        form.report.errors = [f"文件过大（上限 {limit} 字节）。"]
        return render_template("admin/upload.html", form=form), 413
    from ..ingest import ingest_bytes  # the pipeline (workers, locks) only when someone uploads

    try:
        result = ingest_bytes(current_app.config, data, upload.filename or "upload",
                              source_url=form.source_url.data or None)
    except OSError as exc:
        if not is_read_only(exc):
            raise
        form.report.errors = [f"{exc.strerror}。请管理员把存档重新挂载为可写后再上传。"]
        return render_template("admin/upload.html", form=form), 503
    failed = [c for c in (result.record or {}).get("checks") or [] if c.get("ok") is False]
    # 507: the disk had no room, nothing of the upload was kept (ingest_bytes takes it back whole)
    return render_template("admin/upload.html", form=UploadForm(formdata=None), result=result, failed=failed,
                           check_labels=CHECK_LABELS, headline_labels=HEADLINE_LABELS), \
        (507 if result.status == "nospace" else 200)


@bp.route("/unparsed", methods=["GET", "POST"])
def unparsed():
    """Filenames and errors are for the administrator: the token once, then the signed session."""
    if not current_app.config.get("ADMIN_TOKEN"):
        return disabled()
    if not session.get("admin"):
        form = TokenForm()
        if form.validate_on_submit() and token_ok(form.token.data):
            session["admin"] = True
            return redirect(url_for("admin.unparsed"))
        if form.is_submitted():
            form.token.errors = list(form.token.errors) or ["管理令牌不正确。"]
        return render_template("admin/login.html", form=form), (403 if form.is_submitted() else 200)
    store = common.archive()
    items = [m for m in (store.meta(rid) for rid in store.ids()) if m and m.get("status") == "unparsed"]
    return render_template("admin/unparsed.html", items=items)
