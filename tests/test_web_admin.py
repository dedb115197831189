"""Upload and the admin pages: nothing is written without the token, CSRF and size limits hold."""
import io
import re

import pytest

from gikportal.archive import Archive

from _web_helpers import SAMPLES, make_app

BACKENDS = ("whoosh", "postgres")  # uploads land in either search backend
pytestmark = pytest.mark.usefixtures("backend")


def archived(app):
    return Archive(app.config["ARCHIVE_DIR"]).ids()


def upload(client, data, token="t", name="report.txt", **extra):
    form = {"token": token, "report": (io.BytesIO(data), name)}
    form.update(extra)
    return client.post("/admin/upload", data=form, content_type="multipart/form-data")


def seed_bytes(n=0):
    return sorted(SAMPLES.glob("*.txt"))[n].read_bytes()


def test_upload_disabled_without_configured_token(tmp_path):
    app = make_app(tmp_path, ADMIN_TOKEN=None)
    client = app.test_client()
    response = client.get("/admin/upload")
    assert response.status_code == 403 and "上传功能未启用" in response.get_data(as_text=True)
    assert upload(client, seed_bytes(), token="").status_code == 403
    assert upload(client, seed_bytes(), token="anything").status_code == 403
    assert client.get("/admin/unparsed").status_code == 403
    assert archived(app) == []


def test_wrong_or_missing_token_writes_nothing(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    assert client.get("/admin/upload").status_code == 200
    response = upload(client, seed_bytes(), token="wrong")
    assert response.status_code == 403 and "管理令牌不正确" in response.get_data(as_text=True)
    assert upload(client, seed_bytes(), token="").status_code == 400
    assert upload(client, seed_bytes(), token="t" * 2).status_code == 403
    assert archived(app) == []


def test_upload_with_token_shows_parse_result_and_failed_checks(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    data = seed_bytes(1)
    response = upload(client, data, name="001.txt", source_url="https://www.example.gov.cn/a.html")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    rid = archived(app)[0]
    record = Archive(app.config["ARCHIVE_DIR"]).record(rid)
    assert "已收录" in html and f"/reports/{rid}" in html and record["title"] in html
    failed = [c for c in record["checks"] if c["ok"] is False]
    assert f"有 {len(failed)} 项校验未通过" in html if failed else "全部校验通过" in html
    assert Archive(app.config["ARCHIVE_DIR"]).meta(rid)["source_url"] == "https://www.example.gov.cn/a.html"
    assert client.get(f"/reports/{rid}").status_code == 200
    again = upload(client, data, name="001.txt").get_data(as_text=True)
    assert "这份原件已经收录过" in again and len(archived(app)) == 1


def test_csrf_token_is_required(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert upload(client, seed_bytes()).status_code == 400
    assert archived(app) == []
    form = client.get("/admin/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = upload(client, seed_bytes(), csrf_token=token)
    assert response.status_code == 200 and len(archived(app)) == 1


def test_size_limit(tmp_path):
    app = make_app(tmp_path, MAX_FILE_BYTES=2000, MAX_CONTENT_LENGTH=None)
    client = app.test_client()
    response = upload(client, b"x" * 5000)
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)
    capped = make_app(tmp_path / "capped", MAX_FILE_BYTES=2000)
    assert upload(capped.test_client(), b"x" * 5000).status_code == 413
    assert archived(app) == [] and archived(capped) == []


def test_unparsed_originals_are_listed_and_downloadable(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    junk = b"%PDF-1.4\n" + bytes(range(256)) * 4
    html = upload(client, junk, name="broken<b>.pdf").get_data(as_text=True)
    assert "未能解析" in html or "标记为未解析" in html
    listing = client.get("/admin/unparsed").get_data(as_text=True)
    rid = archived(app)[0]
    assert f"/reports/{rid}" in listing and "broken&lt;b&gt;.pdf" in listing
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert "未解析" in page
    original = client.get(f"/reports/{rid}/original")
    assert original.data == junk and original.mimetype == "application/pdf"
    assert original.headers["Content-Disposition"].startswith("attachment")


def test_rate_limit_on_api_and_upload(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute",
                   RATELIMIT_UPLOAD="1 per minute")
    client = app.test_client()
    codes = [client.get("/api/search").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/").status_code == 200
    assert upload(client, b"", token="wrong").status_code == 403
    assert upload(client, b"", token="wrong").status_code == 429
    assert [client.post("/admin/unparsed", data={"token": "x"}).status_code for _ in range(2)] == [403, 429]
    other = make_app(tmp_path / "other").test_client()
    assert [other.get("/api/search").status_code for _ in range(5)] == [200] * 5
    assert client.get("/api/search").status_code == 429


def test_unparsed_list_needs_the_token_once(tmp_path):
    app = make_app(tmp_path)
    upload(app.test_client(), b"%PDF-1.4\n" + bytes(range(256)), name="secret-name.pdf")
    client = app.test_client()
    first = client.get("/admin/unparsed").get_data(as_text=True)
    assert "管理员验证" in first and "secret-name" not in first
    wrong = client.post("/admin/unparsed", data={"token": "nope"})
    assert wrong.status_code == 403 and "secret-name" not in wrong.get_data(as_text=True)
    right = client.post("/admin/unparsed", data={"token": "t"})
    assert right.status_code == 302
    assert "secret-name.pdf" in client.get("/admin/unparsed").get_data(as_text=True)
