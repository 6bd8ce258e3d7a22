"""Evidence through the API: multipart upload through the same checks (a bad file stores nothing),
versions, downloads only through the permission check with the pages' safe headers, review."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from restoration.choices import CaseState
from restoration.models import CaseEvent, Evidence
from tests.factories import PDF, Closure, pdf_file, png_file, upload
from tests.test_evidence_http import raw_multipart

S = CaseState
pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media: Path):
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.fixture
def case(mine_a, company_user, officer, supervisor, contractor_org):
    return Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    ).to(S.DRAFT)


def post_files(client, case, *files, kind="photo", **fields):
    return client.post(
        f"/api/v1/cases/{case.pk}/evidence/", {"kind": kind, "files": list(files), **fields}, format="multipart"
    )


def test_a_company_uploads_several_files_and_gets_their_records(api_for, company_user, case, media):
    response = post_files(api_for(company_user), case, pdf_file("评估报告.pdf"), png_file("现场.png"), kind="report")
    assert response.status_code == 201, response.content
    stored = response.json()["stored"]
    assert sorted(row["original_name"] for row in stored) == ["现场.png", "评估报告.pdf"]
    assert {row["content_type"] for row in stored} == {"application/pdf", "image/png"}
    assert all(row["review_status"] == "pending" and row["current"] for row in stored)
    assert len(stored_files(media)) == 2
    assert CaseEvent.objects.filter(case=case, kind="evidence_uploaded", actor=company_user).exists()


@pytest.mark.parametrize(
    "bad",
    [
        SimpleUploadedFile("空文件.pdf", b""),
        SimpleUploadedFile("报告.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        SimpleUploadedFile("页面.pdf", b"<html><script>alert(1)</script></html>"),
        SimpleUploadedFile("合同.pdf", png_file().read()),
    ],
    ids=["empty", "executable", "html", "wrong-extension"],
)
def test_a_bad_file_is_400_and_nothing_is_stored(api_for, company_user, case, media, bad):
    response = post_files(api_for(company_user), case, png_file("好的.png"), bad)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "bad_file" and bad.name in body["message"] and body["fields"]["files"]
    assert not Evidence.objects.exists(), "the good file in the same request is not stored either"
    assert stored_files(media) == []


def test_a_file_name_with_a_path_is_refused_not_silently_cleaned(api_for, company_user, case, media):
    response = raw_multipart(
        api_for(company_user),
        f"/api/v1/cases/{case.pk}/evidence/",
        filename="../../etc/passwd.pdf",
        content=PDF,
        fields={"kind": "report"},
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_name"
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_too_many_files_or_no_file_or_no_kind_is_400(api_for, company_user, case, settings, media):
    client = api_for(company_user)
    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 2
    files = [png_file(f"{i}.png", color=(i, i, i)) for i in range(3)]
    assert post_files(client, case, *files).status_code == 400
    assert post_files(client, case).status_code == 400
    response = client.post(f"/api/v1/cases/{case.pk}/evidence/", {"files": [png_file()]}, format="multipart")
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_an_outsider_cannot_upload_list_download_or_review(api_for, company_user, company_b_user, case):
    [evidence] = upload(case, company_user, pdf_file())
    client = api_for(company_b_user)
    assert post_files(client, case, png_file()).status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}/evidence/").status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}/evidence/{evidence.pk}/download/").status_code == 404
    assert client.post(f"/api/v1/cases/{case.pk}/evidence/{evidence.pk}/review/", {"accept": True}).status_code == 404
    assert Evidence.objects.count() == 1


def test_a_file_is_reachable_only_below_its_own_case(api_for, company_user, officer, mine_b, company_b_user, case):
    from restoration.choices import CaseKind
    from restoration.services import workflow

    other = workflow.case_open(user=company_b_user, kind=CaseKind.CLOSURE, mine=mine_b)
    [evidence] = upload(case, company_user, pdf_file())
    response = api_for(officer).get(f"/api/v1/cases/{other.pk}/evidence/{evidence.pk}/download/")
    assert response.status_code == 404


def test_a_download_is_an_attachment_with_a_safe_type_and_headers(api_for, company_user, officer, case):
    [evidence] = upload(case, company_user, pdf_file("闭坑<报告>.pdf"))
    for user in (company_user, officer):
        response = api_for(user).get(
            f"/api/v1/cases/{case.pk}/evidence/{evidence.pk}/download/", HTTP_ACCEPT="application/pdf"
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "<" not in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == PDF


def test_a_new_version_keeps_the_old_one(api_for, company_user, case):
    client = api_for(company_user)
    first = post_files(client, case, pdf_file("报告.pdf"), kind="report").json()["stored"][0]
    second = post_files(client, case, pdf_file("报告v2.pdf", extra=b"%v2"), kind="report", previous=first["id"])
    assert second.status_code == 201, second.content
    rows = client.get(f"/api/v1/cases/{case.pk}/evidence/").json()["results"]
    by_id = {row["id"]: row for row in rows}
    new = second.json()["stored"][0]
    assert by_id[new["id"]]["version"] == 2 and by_id[new["id"]]["previous"] == first["id"]
    assert by_id[first["id"]]["current"] is False and by_id[new["id"]]["current"] is True
    current = client.get(f"/api/v1/cases/{case.pk}/evidence/", {"current": "true"}).json()["results"]
    assert [row["id"] for row in current] == [new["id"]]


def test_an_officer_reviews_a_file_and_the_company_sees_the_reason(api_for, company_user, officer, case):
    [evidence] = upload(case, company_user, pdf_file())
    url = f"/api/v1/cases/{case.pk}/evidence/{evidence.pk}/review/"
    officer_client = api_for(officer)
    response = officer_client.post(url, {"accept": False}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    response = officer_client.post(url, {"accept": False, "reason": "照片模糊，请重新拍摄"}, format="json")
    assert response.status_code == 200 and response.json()["review_status"] == "rejected"
    seen = api_for(company_user).get(f"/api/v1/cases/{case.pk}/evidence/{evidence.pk}/").json()
    assert seen["review_reason"] == "照片模糊，请重新拍摄" and seen["reviewed_by"]["id"] == officer.pk
    again = officer_client.post(url, {"accept": True}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reviewed"


def test_a_company_cannot_review_its_own_files(api_for, company_user, case):
    [evidence] = upload(case, company_user, pdf_file())
    url = f"/api/v1/cases/{case.pk}/evidence/{evidence.pk}/review/"
    response = api_for(company_user).post(url, {"accept": True}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "role"
    evidence.refresh_from_db()
    assert evidence.review_status == "pending"


def test_a_contractor_uploads_only_to_the_works_entrusted_to_it(
    api_for, contractor_user, outsider, mine_a, company_user, officer, supervisor
):
    delegated = Closure(
        mine=mine_a,
        company_user=company_user,
        officer=officer,
        supervisor=supervisor,
        contractor_org=contractor_user.contractor,
    ).to(S.DELEGATED_TREATMENT)
    response = post_files(api_for(contractor_user), delegated, png_file("施工进度.png"))
    assert response.status_code == 201
    assert post_files(api_for(outsider), delegated, png_file()).status_code == 404


def test_evidence_lists_filter_by_kind_and_review(api_for, company_user, officer, case):
    upload(case, company_user, pdf_file(), kind="impact_assessment")
    [photo] = upload(case, company_user, png_file(), kind="photo")
    client = api_for(officer)
    rows = client.get(f"/api/v1/cases/{case.pk}/evidence/", {"kind": "photo"}).json()["results"]
    assert [row["id"] for row in rows] == [photo.pk]
    assert client.get(f"/api/v1/cases/{case.pk}/evidence/", {"review_status": "accepted"}).json()["results"] == []
