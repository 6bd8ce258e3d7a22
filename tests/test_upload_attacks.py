"""Uploads under attack: archive bombs, polyglots, hostile names, too many files, decompression
bombs. Each is refused with a reason, nothing is stored, and the process carries on."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from restoration.models import Evidence
from tests.factories import PDF, Closure, jpeg_file, png_file


@pytest.fixture
def case(mine_a, company_user, officer, supervisor, contractor_org):
    return Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    ).to("draft")


def stored(settings):
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def post(client, case, *files, kind="report"):
    return client.post(reverse("evidence-upload", args=[case.pk]), {"kind": kind, "files": list(files)})


def docx(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def lying_docx() -> bytes:
    """A small entry whose header claims 100 bytes but which unpacks to 80 MB."""
    data = docx({"word/media/big.bin": b"\0" * (80 * 1024 * 1024)})
    # Rewrite the declared uncompressed size (local header and central directory) to 100 bytes.
    patched = bytearray(data)
    name = b"word/media/big.bin"
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := patched.find(signature, start)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if patched[name_at : name_at + len(name)] == name:
                patched[at + size_offset : at + size_offset + 4] = struct.pack("<I", 100)
            start = at + 4
    return bytes(patched)


ATTACKS = {
    "a Word file that unpacks to 400 MB": ("报告.docx", docx({"word/media/zeros.bin": b"\0" * (400 * 1024 * 1024)})),
    "a Word file with 20,000 entries": ("报告.docx", docx({f"word/x{i}.xml": b"<a/>" for i in range(20000)})),
    "a Word file whose header lies about its size": ("报告.docx", lying_docx()),
    "a JPEG that is also a web page": (
        "现场.jpg",
        jpeg_file().read() + b"<html><script>alert(document.cookie)</script></html>",
    ),
    "a PNG with a ZIP archive appended": ("现场.png", png_file().read() + docx({"a.txt": b"x"})),
    "a PDF with a script in it": (
        "报告.pdf",
        PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
    ),
    "a PDF that is also a ZIP": ("报告.pdf", PDF + docx({"evil.exe": b"MZ"})),
    "an image that decompresses to a huge bitmap": ("巨图.png", None),
}


def huge_png() -> bytes:
    """A valid PNG header and a few bytes of data claiming 30,000 × 30,000 pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\0" * 30001 * 10)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_each_attack_is_refused_with_a_reason_and_nothing_is_stored(client_for, company_user, case, settings, attack):
    name, content = ATTACKS[attack]
    content = content if content is not None else huge_png()
    response = post(client_for(company_user), case, SimpleUploadedFile(name, content))
    assert response.status_code == 400, attack
    assert name in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored(settings) == []
    # The process carries on: the next, honest upload works.
    assert post(client_for(company_user), case, png_file("正常.png"), kind="photo").status_code == 302


def test_an_honest_word_document_is_accepted(client_for, company_user, case):
    content = docx({"word/media/photo.jpg": jpeg_file().read(), "word/styles.xml": b"<w:styles/>" * 100})
    response = post(client_for(company_user), case, SimpleUploadedFile("方案.docx", content))
    assert response.status_code == 302
    assert Evidence.objects.get().content_type.endswith("wordprocessingml.document")


def test_a_workbook_bomb_is_refused_by_the_import(client_for, officer, settings):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (400 * 1024 * 1024))
    upload = SimpleUploadedFile("矿山.xlsx", bomb.getvalue())
    response = client_for(officer).post(reverse("mine-import"), {"file": upload})
    assert response.status_code in (200, 400)
    assert "矿山.xlsx" in response.content.decode()
    assert stored(settings) == [], "the refused workbook is not kept"
