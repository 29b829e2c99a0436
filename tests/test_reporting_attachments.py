"""Evidence attachments: type by magic bytes, size limit, random names, safe download, deletion."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import factories
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment, AuditEvent
from portal.reporting import attachments as storage
from portal.reporting import services

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"0" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def draft(app, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
    report = factories.report(user.enterprise, period)
    db.session.commit()
    auth.login_as(user)
    return user, report


def send(client, report, content: bytes, name: str, target: str = "", content_type: str = "application/pdf"):
    return client.post(f"/reports/{report.id}/attachments",
                       data={"file": (io.BytesIO(content), name, content_type), "target": target},
                       content_type="multipart/form-data", follow_redirects=True)


def test_traversal_name_with_pdf_magic_is_stored_under_random_name_inside_upload_folder(app, draft, client):
    _, report = draft
    response = send(client, report, PDF, "../../etc/passwd.pdf", target="field:rd_expenditure")
    assert "已上传" in response.get_data(as_text=True)
    attachment = db.session.scalar(select(Attachment))
    folder = os.path.abspath(app.config["UPLOAD_FOLDER"])
    assert storage.STORED_NAME.fullmatch(attachment.stored_name)
    assert "passwd" not in attachment.stored_name
    assert os.listdir(folder) == [attachment.stored_name]
    with open(os.path.join(folder, attachment.stored_name), "rb") as fh:
        assert fh.read() == PDF
    assert attachment.display_name == "passwd.pdf"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert attachment.field_key == "rd_expenditure" and attachment.section == "innovation"
    assert not os.path.exists("/etc/passwd.pdf")


@pytest.mark.parametrize("content, claimed, expected", [
    (PNG, "image/png", "image/png"),
    (JPEG, "image/jpeg", "image/jpeg"),
    (PNG, "application/pdf", "image/png"),      # the header lies: the bytes decide
])
def test_type_is_decided_by_magic_bytes(draft, client, content, claimed, expected):
    _, report = draft
    send(client, report, content, "证明.pdf", content_type=claimed)
    assert db.session.scalar(select(Attachment)).content_type == expected


@pytest.mark.parametrize("content, name", [
    (b"MZ\x90\x00 an executable", "报告.pdf"),
    (b"<html><script>alert(1)</script>", "page.png"),
    (b"GIF89a....", "image.jpg"),
])
def test_other_content_is_refused_whatever_its_name(app, draft, client, content, name):
    _, report = draft
    response = send(client, report, content, name)
    assert "只能上传 PDF、JPG、PNG" in response.get_data(as_text=True)
    assert db.session.scalar(select(Attachment)) is None
    folder = app.config["UPLOAD_FOLDER"]
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_empty_file_and_missing_file_are_refused(draft, client):
    _, report = draft
    assert "文件为空" in send(client, report, b"", "a.pdf").get_data(as_text=True)
    response = client.post(f"/reports/{report.id}/attachments", data={"target": ""}, follow_redirects=True)
    assert "请选择要上传的文件" in response.get_data(as_text=True)


def test_size_limit_is_enforced_and_leaves_no_file(make_app, auth_factory_setup):
    app, client, report = auth_factory_setup(ATTACHMENT_MAX_BYTES=1024)
    with app.app_context():
        response = send(client, report, PDF + b"1" * 2000, "大文件.pdf")
        assert "文件超过 1 KB 的上限" in response.get_data(as_text=True)
        assert db.session.scalar(select(Attachment)) is None
        folder = app.config["UPLOAD_FOLDER"]
        assert not os.path.isdir(folder) or os.listdir(folder) == []
        response = send(client, report, PDF[:1000], "小文件.pdf")
        assert db.session.scalar(select(Attachment)) is not None


@pytest.fixture
def auth_factory_setup(make_app):
    """An app with config overrides, an enterprise user logged in and a draft."""
    contexts = []

    def build(**config):
        app = make_app(**config)
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        today = services.local_today()
        user = factories.user("enterprise")
        period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
        report = factories.report(user.enterprise, period)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
        return app, client, report

    yield build
    for ctx in reversed(contexts):
        db.session.remove()
        ctx.pop()


def test_download_has_chinese_filename_no_store_and_nosniff(draft, client, auth):
    _, report = draft
    send(client, report, PDF, "营业执照副本.pdf")
    attachment = db.session.scalar(select(Attachment))
    response = client.get(f"/reports/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%E5%89%AF%E6%9C%AC.pdf" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attachment.download"))

    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    assert client.get(f"/reports/attachments/{attachment.id}").data == PDF
    assert "营业执照副本.pdf" in client.get(f"/reports/{report.id}").get_data(as_text=True)


def test_delete_only_while_report_is_editable(app, draft, client):
    _, report = draft
    send(client, report, PDF, "a.pdf")
    send(client, report, PNG, "b.png")
    first, second = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    first_id, kept = first.id, second.stored_name
    folder = app.config["UPLOAD_FOLDER"]
    client.post(f"/reports/attachments/{first_id}/delete")
    db.session.expire_all()
    assert db.session.get(Attachment, first_id) is None
    assert sorted(os.listdir(folder)) == [kept]

    db.session.expire_all()
    report.status = "submitted"
    db.session.commit()
    response = client.post(f"/reports/attachments/{second.id}/delete", follow_redirects=True)
    assert "附件不能删除" in response.get_data(as_text=True)
    assert db.session.get(Attachment, second.id) is not None
    assert os.listdir(folder) == [second.stored_name]
    # and no new attachments on a submitted report
    assert "正在审核中" in send(client, report, PDF, "c.pdf").get_data(as_text=True)


def test_display_name_is_sanitised():
    assert storage.display_name("..\\..\\windows\\system32\\证明.pdf", "pdf") == "证明.pdf"
    assert storage.display_name("a\x00b\x1f.pdf", "pdf") == "ab.pdf"
    assert storage.display_name("../..", "pdf") == "附件.pdf"
    assert storage.display_name(None, "png") == "附件.png"
    long = "长" * 300 + ".pdf"
    assert len(storage.display_name(long, "pdf")) <= storage.MAX_DISPLAY_CHARS
    assert storage.display_name(long, "pdf").endswith(".pdf")


def test_stored_names_other_than_ours_are_refused(app):
    for bad in ("../etc/passwd", "a" * 32 + ".exe", "/" + "a" * 32 + ".pdf", "", None):
        with pytest.raises(storage.AttachmentError):
            storage.path_of(bad)
