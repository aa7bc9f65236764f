"""The printable application (申报书): a submitted project as a PDF with the vendored CJK font
embedded, for its organisation and administrators only. Checked by reading the PDF's text back."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from gongyi.submissions.models import Attachment
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission


def _text(data: bytes) -> str:
    """The PDF's text with all white space taken out (extraction sets CJK glyphs apart with spaces or NULs)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def world(db):
    admin = make_admin(db, "boss@example.org")
    member, org = make_org(db, admin, email="m@example.org", name="福田长者关爱中心")
    call = make_call(db, admin, status="open")
    submission = make_submission(db, call, org, title="社区长者食堂互助计划", items=[("01.01", "独居老人吃饭难")],
                                 requested_fen=123_456_78, summary="为独居长者提供午餐与探访。",
                                 funds=[("enterprise", "深圳某科技公司", 50_000_00, "verified"),
                                        ("individual", "王先生", 2_500_50, "pending")])
    submission.attachments.append(Attachment(filename="机构年报2025.pdf", content_type="application/pdf", size=2048,
                                             data=b"%PDF-1.7\n%%EOF\n"))
    draft = make_submission(db, call, org, status="draft", title="草稿项目")
    db.commit()
    return admin, org, submission, draft


def test_the_organisation_prints_its_application(client, auth, world):
    _, org, submission, _ = world
    auth.login("m@example.org")
    assert "打印申报书" in client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    response = client.get(f"/submissions/{submission.id}/application.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-")
    text = _text(response.data)
    for expected in ("社区长者食堂互助计划", submission.ref, "福田长者关爱中心", org.credit_code, "123,456.78",
                     "50,000.00", "2,500.50", "52,500.50", "深圳某科技公司", "独居老人吃饭难", "为独居长者提供午餐与探访。",
                     "机构年报2025.pdf", "项目申报书", "申报单位（盖章）", "第1页"):
        assert expected in text, expected


def test_the_cjk_font_is_embedded_as_a_subset(client, auth, world):
    _, _, submission, _ = world
    auth.login("m@example.org")
    reader = PdfReader(io.BytesIO(client.get(f"/submissions/{submission.id}/application.pdf").data))
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    descendants = [d.get_object() for f in fonts for d in f.get("/DescendantFonts", [])]
    descriptors = [d["/FontDescriptor"].get_object() for d in descendants]
    assert descriptors and all(any(k in d for k in ("/FontFile2", "/FontFile3")) for d in descriptors)
    assert all("+" in str(d["/FontName"]) for d in descriptors)  # a subset: only the glyphs used
    assert len(client.get(f"/submissions/{submission.id}/application.pdf").data) < 2_000_000


def test_administrators_print_it_too(client, auth, world):
    _, _, submission, _ = world
    auth.login("boss@example.org")
    assert "打印申报书" in client.get(f"/admin/submissions/{submission.id}").get_data(as_text=True)
    response = client.get(f"/submissions/{submission.id}/application.pdf")
    assert response.status_code == 200 and "社区长者食堂互助计划" in _text(response.data)


def test_nobody_else_gets_it(client, auth, db, world):
    admin, _, submission, _ = world
    make_org(db, admin, email="other@example.org")
    make_reviewer(db, admin, email="r@example.org")
    db.commit()
    url = f"/submissions/{submission.id}/application.pdf"
    assert client.get(url).status_code == 302  # to the login form
    for email in ("other@example.org", "r@example.org"):
        auth.login(email)
        assert client.get(url).status_code == 404  # another organisation's project does not exist for them
        auth.logout()


def test_a_draft_is_printed_once_submitted(client, auth, world):
    _, _, _, draft = world
    auth.login("m@example.org")
    response = client.get(f"/submissions/{draft.id}/application.pdf", follow_redirects=True)
    assert "项目提交后才能打印申报书" in response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/html")


def test_english_labels_and_text_the_font_cannot_set(client, auth, db, world):
    _, _, submission, _ = world
    submission.summary = "tab\there, emoji 😀 and a bell \x07 — still printed"
    db.commit()
    auth.login("m@example.org")
    client.post("/language", data={"locale": "en", "next": "/"})
    text = _text(client.get(f"/submissions/{submission.id}/application.pdf").data)
    assert "Projectapplicationform" in text and "Organisationname" in text and "(seal)" in text
    assert "stillprinted" in text and "社区长者食堂互助计划" in text
