"""Evidence through the pages: bad files are refused with a reason and nothing is stored;
downloads go only to those who may see the case, as attachments with a safe type."""

import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from restoration.choices import CaseState
from restoration.models import CaseEvent, Evidence
from tests.factories import Closure, jpeg_file, pdf_file, png_file, upload

S = CaseState


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


def post_files(client, case, *files, kind="photo"):
    return client.post(reverse("evidence-upload", args=[case.pk]), {"kind": kind, "files": list(files)})


def raw_multipart(client, url, *, filename: str, content: bytes, fields: dict):
    """A multipart POST whose file name is exactly `filename` (the test client would clean it)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return client.generic("POST", url, b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}")


def test_a_company_uploads_several_files_at_once(client_for, company_user, case, media):
    response = post_files(client_for(company_user), case, pdf_file("评估报告.pdf"), png_file("现场.png"))
    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == ["现场.png", "评估报告.pdf"]
    assert len(stored_files(media)) == 2
    event = CaseEvent.objects.filter(case=case, kind="evidence_uploaded").get()
    assert event.actor == company_user and len(event.data["evidence"]) == 2


def test_the_javascript_upload_gets_json_with_progress_friendly_status(client_for, company_user, case):
    response = client_for(company_user).post(
        reverse("evidence-upload", args=[case.pk]),
        {"kind": "photo", "files": [png_file()]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    assert response.json()["stored"][0]["name"] == "照片.png"


@pytest.mark.parametrize(
    "upload_file, reason",
    [
        (SimpleUploadedFile("空文件.pdf", b""), "empty"),
        (SimpleUploadedFile("报告.pdf", b"MZ\x90\x00" + b"\x00" * 200), "executable"),
        (SimpleUploadedFile("页面.pdf", b"<html><script>alert(1)</script></html>"), "html"),
        (SimpleUploadedFile("图.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'), "svg"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_stored(
    client_for, company_user, case, media, upload_file, reason
):
    client = client_for(company_user)
    response = post_files(client, case, png_file("好的.png"), upload_file)
    assert response.status_code == 400
    assert upload_file.name in response.content.decode()
    assert not Evidence.objects.exists(), "the good file in the same request is not stored either"
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused_naming_the_limit(client_for, company_user, case, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    response = post_files(client_for(company_user), case, pdf_file("大文件.pdf", extra=b"%" + b"x" * 2000))
    assert response.status_code == 400
    body = response.content.decode()
    assert "大文件.pdf" in body
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_a_file_whose_content_is_not_what_its_name_claims_is_refused(client_for, company_user, case, media):
    fake = png_file("合同.pdf")
    response = post_files(client_for(company_user), case, fake)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "sub/dir/x.pdf"])
def test_a_file_name_with_a_path_is_refused_not_silently_cleaned(client_for, company_user, case, media, name):
    client = client_for(company_user)
    response = raw_multipart(
        client,
        reverse("evidence-upload", args=[case.pk]),
        filename=name,
        content=pdf_file().read(),
        fields={"kind": "report", "csrfmiddlewaretoken": "x"},
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_too_many_files_in_one_request_are_refused(client_for, company_user, case, settings, media):
    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 2
    files = [png_file(f"{i}.png", color=(i, i, i)) for i in range(3)]
    response = post_files(client_for(company_user), case, *files)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_duplicate_upload_to_the_same_case_is_flagged(client_for, company_user, case):
    client = client_for(company_user)
    post_files(client, case, png_file("第一次.png"))
    response = client.post(
        reverse("evidence-upload", args=[case.pk]), {"kind": "photo", "files": [png_file("第二次.png")]}, follow=True
    )
    second = Evidence.objects.get(original_name="第二次.png")
    assert second.duplicate_of == Evidence.objects.get(original_name="第一次.png")
    assert "第一次.png" in response.content.decode()


def test_a_photo_taken_far_from_the_mine_is_flagged_to_the_reviewer(client_for, company_user, officer, case, mine_a):
    near = jpeg_file("近.jpg", lat=float(mine_a.latitude) + 0.001, lon=float(mine_a.longitude))
    far = jpeg_file("远.jpg", lat=float(mine_a.latitude) + 0.3, lon=float(mine_a.longitude), color=(1, 1, 1))
    upload(case, company_user, near, far)
    near_e, far_e = Evidence.objects.get(original_name="近.jpg"), Evidence.objects.get(original_name="远.jpg")
    assert not near_e.far_from_site and far_e.far_from_site
    assert near_e.captured_at is not None and near_e.latitude is not None
    body = client_for(officer).get(case.get_absolute_url()).content.decode()
    assert "badge danger" in body


def test_a_new_version_keeps_the_old_one(client_for, company_user, case):
    client = client_for(company_user)
    post_files(client, case, pdf_file("方案.pdf"), kind="report")
    old = Evidence.objects.get()
    client.post(
        reverse("evidence-upload", args=[case.pk]),
        {"kind": "report", "previous": old.pk, "files": [pdf_file("方案-修订.pdf", extra=b"%v2")]},
    )
    new = Evidence.objects.exclude(pk=old.pk).get()
    assert new.previous == old and new.version == 2
    assert list(Evidence.objects.current()) == [new]
    assert Evidence.objects.filter(pk=old.pk).exists()


def test_a_download_is_an_attachment_with_an_allow_listed_type_and_nosniff(client_for, company_user, case):
    upload(case, company_user, pdf_file("报告.pdf"), kind="report")
    evidence = Evidence.objects.get()
    response = client_for(company_user).get(evidence.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_no_one_outside_the_case_can_download_or_preview_its_files(client_for, company_user, company_b_user, case):
    upload(case, company_user, png_file())
    evidence = Evidence.objects.get()
    client = client_for(company_b_user)
    assert client.get(evidence.get_download_url()).status_code == 404
    assert client.get(reverse("evidence-preview", args=[evidence.pk])).status_code == 404
    assert client.post(reverse("evidence-review", args=[evidence.pk]), {"accept": "1"}).status_code == 404


def test_an_image_preview_is_a_re_encoded_jpeg(client_for, company_user, case):
    upload(case, company_user, png_file())
    response = client_for(company_user).get(reverse("evidence-preview", args=[Evidence.objects.get().pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response.content[:3] == b"\xff\xd8\xff"


def test_an_officer_rejects_a_file_with_a_reason_the_company_sees(client_for, company_user, officer, case):
    upload(case, company_user, png_file())
    evidence = Evidence.objects.get()
    officer_client = client_for(officer)
    officer_client.post(reverse("evidence-review", args=[evidence.pk]), {"accept": "0", "reason": ""})
    evidence.refresh_from_db()
    assert evidence.review_status == "pending", "a rejection needs a reason"
    officer_client.post(reverse("evidence-review", args=[evidence.pk]), {"accept": "0", "reason": "照片模糊"})
    evidence.refresh_from_db()
    assert evidence.review_status == "rejected"
    body = client_for(company_user).get(case.get_absolute_url()).content.decode()
    assert "照片模糊" in body


def test_a_company_cannot_review_its_own_files(client_for, company_user, case):
    upload(case, company_user, png_file())
    evidence = Evidence.objects.get()
    response = client_for(company_user).post(reverse("evidence-review", args=[evidence.pk]), {"accept": "1"})
    assert response.status_code == 403
    evidence.refresh_from_db()
    assert evidence.review_status == "pending"


def test_stored_files_have_unguessable_names_outside_static(case, company_user, media):
    upload(case, company_user, pdf_file("../报告.pdf"))
    evidence = Evidence.objects.get()
    assert "报告" not in evidence.file.name and len(Path(evidence.file.name).name) == 32
    assert Path(evidence.file.path).resolve().is_relative_to(media.resolve())
