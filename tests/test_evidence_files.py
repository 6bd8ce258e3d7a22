"""Evidence uploads: what is accepted, what is refused and why, and the facts read from the content."""

import hashlib
import io
import os
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils.translation import override
from PIL import Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from restoration.evidence_files import (
    ALLOWED_TYPES,
    FileFacts,
    distance_km,
    inspect_upload,
    safe_download_name,
)

MAX = 50 * 1024 * 1024
SHANGHAI_ZONE = ZoneInfo("Asia/Shanghai")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000057 00000 n \n"
    b"trailer <</Size 3 /Root 1 0 R>>\nstartxref\n107\n%%EOF\n"
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"\xec\xa5\xc1\x00" + bytes(1024)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200) + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01" + bytes(120)
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>\n'


# --- fixtures built here ----------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    """An upload carrying exactly this name.

    Django's multipart parser and UploadedFile already cut folders off a name; a name can still reach
    inspect_upload unstripped by other paths (an API, an import), which is what the name tests imitate.
    """
    file = SimpleUploadedFile("placeholder", content)
    file._name = name
    return file


def image_bytes(fmt: str, size=(64, 48), exif=None, noise=False) -> bytes:
    buffer = io.BytesIO()
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (40, 120, 60))
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_with(datetime_original=None, offset=None, gps=None) -> Image.Exif:
    exif = Image.Exif()
    if datetime_original is not None:
        exif.get_ifd(0x8769)[0x9003] = datetime_original  # DateTimeOriginal, in the Exif IFD
    if offset is not None:
        exif.get_ifd(0x8769)[0x9011] = offset  # OffsetTimeOriginal
    if gps is not None:
        exif.get_ifd(0x8825).update(gps)
    return exif


def dms(degrees: int, minutes: int, hundredths_of_seconds: int) -> tuple:
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(hundredths_of_seconds, 100))


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx_bytes(**extra: bytes) -> bytes:
    return zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>", **extra})


def xlsx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def pptx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p:presentation/>"})


def ofd_bytes() -> bytes:
    return zip_bytes({"OFD.xml": b'<ofd:OFD DocType="OFD" Version="1.0"/>', "Doc_0/Document.xml": b"<ofd:Document/>"})


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height (1-bit grey) but carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def refusal(file, max_bytes: int = MAX) -> tuple[str, str]:
    """The code and English message of the refusal, after checking the file was left at position 0."""
    with pytest.raises(ValidationError) as info:
        inspect_upload(file, max_bytes=max_bytes)
    assert file.tell() == 0
    with override("en"):
        return info.value.code, info.value.messages[0]


# --- accepted files ---------------------------------------------------------------------------


def test_it_reads_the_capture_time_and_position_of_a_drone_photo():
    exif = exif_with(
        datetime_original="2024:05:01 10:11:12",
        gps={1: "N", 2: dms(39, 20, 1234), 3: "E", 4: dms(112, 25, 3050)},
    )
    content = image_bytes("JPEG", exif=exif)
    file = upload("现场航拍.JPG", content)

    facts = inspect_upload(file, max_bytes=MAX)

    assert facts == FileFacts(
        original_name="现场航拍.JPG",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content_type="image/jpeg",
        extension=".jpg",
        is_image=True,
        width=64,
        height=48,
        captured_at=datetime(2024, 5, 1, 10, 11, 12, tzinfo=SHANGHAI_ZONE),
        latitude=Decimal("39.336761"),  # 39 + 20/60 + 12.34/3600
        longitude=Decimal("112.425139"),  # 112 + 25/60 + 30.50/3600
    )
    assert facts.captured_at.utcoffset().total_seconds() == 8 * 3600
    assert file.tell() == 0


def test_it_makes_south_and_west_negative():
    exif = exif_with(gps={1: "S", 2: dms(33, 52, 0), 3: "W", 4: dms(70, 40, 0)})
    facts = inspect_upload(upload("santiago.jpg", image_bytes("JPEG", exif=exif)), max_bytes=MAX)
    assert (facts.latitude, facts.longitude) == (Decimal("-33.866667"), Decimal("-70.666667"))


def test_it_uses_the_cameras_own_time_offset_when_it_wrote_one():
    exif = exif_with(datetime_original="2024:05:01 02:11:12", offset="+00:00")
    facts = inspect_upload(upload("utc.jpg", image_bytes("JPEG", exif=exif)), max_bytes=MAX)
    assert facts.captured_at == datetime(2024, 5, 1, 2, 11, 12, tzinfo=UTC)


def test_it_falls_back_to_datetime_when_there_is_no_datetime_original():
    exif = Image.Exif()
    exif[0x0132] = "2023:11:30 16:00:00"
    facts = inspect_upload(upload("scan.jpg", image_bytes("JPEG", exif=exif)), max_bytes=MAX)
    assert facts.captured_at == datetime(2023, 11, 30, 16, 0, tzinfo=SHANGHAI_ZONE)


def test_garbage_exif_gives_no_time_and_no_position_instead_of_an_error():
    exif = exif_with(
        datetime_original="0000:00:00 00:00:00",
        offset="bogus",
        gps={1: "Q", 2: (IFDRational(1, 0), IFDRational(1, 0), IFDRational(1, 0)), 3: "E", 4: dms(200, 0, 0)},
    )
    facts = inspect_upload(upload("odd.jpg", image_bytes("JPEG", exif=exif)), max_bytes=MAX)
    assert (facts.captured_at, facts.latitude, facts.longitude) == (None, None, None)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize(
    "blob",
    [
        b"Exif\x00\x00not a TIFF structure at all",
        b"Exif\x00\x00II*\x00\xff\xff\xff\x7f",  # IFD0 far beyond the end
        # a GPS IFD pointer to nowhere
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x88\x25\x00\x04\x00\x00\x00\x01\x7f\xff\xff\xff",
    ],
)
def test_a_photo_with_a_corrupt_exif_block_is_accepted_without_time_or_position(blob):
    facts = inspect_upload(upload("corrupt-exif.jpg", image_bytes("JPEG", exif=blob)), max_bytes=MAX)
    assert (facts.content_type, facts.captured_at, facts.latitude, facts.longitude) == ("image/jpeg", None, None, None)


def test_a_zero_zero_position_means_no_gps_fix():
    exif = exif_with(gps={1: "N", 2: dms(0, 0, 0), 3: "E", 4: dms(0, 0, 0)})
    facts = inspect_upload(upload("nofix.jpg", image_bytes("JPEG", exif=exif)), max_bytes=MAX)
    assert (facts.latitude, facts.longitude) == (None, None)


def test_a_photo_without_exif_has_no_time_or_position():
    facts = inspect_upload(upload("plain.png", image_bytes("PNG")), max_bytes=MAX)
    assert (facts.content_type, facts.extension, facts.width, facts.height) == ("image/png", ".png", 64, 48)
    assert (facts.captured_at, facts.latitude, facts.longitude) == (None, None, None)


@pytest.mark.parametrize(
    ("name", "fmt", "content_type"),
    [
        ("ortho.tiff", "TIFF", "image/tiff"),
        ("ortho.tif", "TIFF", "image/tiff"),
        ("site.webp", "WEBP", "image/webp"),
        ("photo.jpeg", "JPEG", "image/jpeg"),
        ("photo.JPE", "JPEG", "image/jpeg"),
    ],
)
def test_it_accepts_the_other_image_types_under_any_of_their_extensions(name, fmt, content_type):
    facts = inspect_upload(upload(name, image_bytes(fmt)), max_bytes=MAX)
    assert (facts.content_type, facts.is_image, facts.width, facts.height) == (content_type, True, 64, 48)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("验收报告.pdf", PDF, "application/pdf", ".pdf"),
        ("调查报告.docx", docx_bytes(), DOCX, ".docx"),
        ("工程量清单.xlsx", xlsx_bytes(), XLSX, ".xlsx"),
        ("汇报.pptx", pptx_bytes(), PPTX, ".pptx"),
        ("发票.ofd", ofd_bytes(), "application/ofd", ".ofd"),
        ("旧合同.doc", OLE2, "application/msword", ".doc"),
        ("旧台账.XLS", OLE2, "application/vnd.ms-excel", ".xls"),
    ],
)
def test_it_accepts_documents_by_their_content(name, content, content_type, extension):
    facts = inspect_upload(upload(name, content), max_bytes=MAX)
    assert (facts.content_type, facts.extension, facts.is_image) == (content_type, extension, False)
    assert (facts.width, facts.height, facts.captured_at) == (None, None, None)
    assert facts.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("name", ["扫描件", "scan.dat", "invoice.pdf.bak"])
def test_a_missing_or_unknown_extension_is_not_a_mismatch(name):
    assert inspect_upload(upload(name, PDF), max_bytes=MAX).content_type == "application/pdf"


def test_it_hashes_a_temporary_upload_in_chunks_and_rewinds_it():
    content = image_bytes("JPEG", size=(640, 480), noise=True)
    assert len(content) > 2 * 64 * 1024  # several of Django's 64 KB chunks
    file = TemporaryUploadedFile("无人机.jpg", "image/jpeg", len(content), None)
    try:
        file.write(content)
        file.seek(0)

        facts = inspect_upload(file, max_bytes=MAX)

        assert facts.sha256 == hashlib.sha256(content).hexdigest()
        assert (facts.size, facts.width, facts.height) == (len(content), 640, 480)
        assert file.tell() == 0
    finally:
        file.close()


# --- refused files ----------------------------------------------------------------------------


def test_it_refuses_an_empty_file():
    code, message = refusal(upload("空白.pdf", b""))
    assert code == "empty"
    assert message == "The file 空白.pdf is empty."


def test_it_refuses_a_file_over_the_limit_and_says_the_limit_in_megabytes():
    code, message = refusal(upload("big.pdf", PDF + bytes(1024 * 1024)), max_bytes=1024 * 1024)
    assert code == "too_large"
    assert message == "The file big.pdf is larger than the limit of 1 MB."


def test_it_refuses_a_file_whose_declared_size_lies():
    file = upload("liar.pdf", PDF + bytes(2048))
    file.size = 10
    code, _message = refusal(file, max_bytes=1024)
    assert code == "too_large"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../x.pdf", "../x.pdf"),
        ("a/b.pdf", "a/b.pdf"),
        ("a\\b.pdf", "a\\b.pdf"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("x\x00.pdf", "x?.pdf"),
        ("bad\nname.pdf", "bad?name.pdf"),
        ("tab\tname.pdf", "tab?name.pdf"),
        ("name.pdf\r", "name.pdf?"),
        ("photo\u202egpj.exe", "photo?gpj.exe"),  # displays as "photoexe.jpg"
        ("..", ".."),
        (" . . ", ". ."),
        ("", ""),
        ("长" * 197 + ".pdf", "长" * 70),
    ],
)
def test_it_refuses_a_name_with_a_path_control_characters_or_no_substance(name, shown):
    code, message = refusal(upload(name, PDF))
    assert code == "bad_name"
    assert shown in message


@pytest.mark.parametrize(
    "name", ["report.exe", "report.pdf.exe", "REPORT.HTML", "page.htm", "map.svg", "x.exe.", "x.js ", "run.bat"]
)
def test_it_refuses_a_program_script_or_web_page_extension_even_with_pdf_content(name):
    code, message = refusal(upload(name, PDF))
    assert code == "bad_name"
    assert name.rstrip(". ").split(".")[0] in message
    assert "program, script or web page" in message


def test_it_refuses_an_executable_renamed_pdf():
    code, message = refusal(upload("验收证书.pdf", MZ))
    assert code == "unsupported_type"
    assert message == (
        "The content of 验收证书.pdf was detected as Windows executable, which is not an allowed document or image "
        "(allowed: JPEG, PNG, TIFF, WebP, PDF, Word, Excel, PowerPoint, OFD)."
    )


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("tool.pdf", ELF, "Linux executable (ELF)"),
        ("report.pdf", HTML, "web page (HTML)"),
        ("map.png", SVG, "SVG image"),
        ("data.xlsx", b'<?xml version="1.0"?><data/>', "XML or markup file"),
        ("notes.pdf", "现场记录：边坡已复绿。".encode(), "plain text file"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "script"),
        ("bundle.pdf", zip_bytes({"readme.txt": b"hello"}), "ZIP archive"),
        ("iphone.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), "HEIC image"),
        ("anim.png", b"GIF89a" + bytes(64), "GIF image"),
        ("macro.docx", docx_bytes(**{"word/vbaProject.bin": b"\x00"}), "macro-enabled Office document"),
        ("broken.docx", b"PK\x03\x04" + bytes(100), "damaged ZIP archive"),
    ],
)
def test_it_refuses_content_outside_the_allow_list_and_says_what_it_is(name, content, detected):
    code, message = refusal(upload(name, content))
    assert code == "unsupported_type"
    assert name in message
    assert detected in message


def test_it_refuses_unknown_binary_content_with_the_list_of_allowed_types():
    code, message = refusal(upload("blob.pdf", b"\x00\x01\x02\x03" * 64))
    assert code == "unsupported_type"
    assert message == (
        "The file blob.pdf is not an allowed document or image "
        "(allowed: JPEG, PNG, TIFF, WebP, PDF, Word, Excel, PowerPoint, OFD)."
    )


@pytest.mark.parametrize("name", ["合同.docx", "合同.ppt", "合同"])
def test_it_refuses_an_office_97_2003_file_unless_named_doc_or_xls(name):
    code, message = refusal(upload(name, OLE2))
    assert code == "unsupported_type"
    assert name in message
    assert ".doc" in message and ".xls" in message


@pytest.mark.parametrize(
    ("name", "content", "claimed", "detected"),
    [
        ("report.pdf", image_bytes("PNG"), "PDF document", "PNG image"),
        ("photo.jpg", PDF, "JPEG image", "PDF document"),
        ("photo.tiff", image_bytes("JPEG"), "TIFF image", "JPEG image"),
        ("台账.xlsx", docx_bytes(), "Excel workbook", "Word document"),
        ("发票.pdf", ofd_bytes(), "PDF document", "OFD document"),
        ("旧合同.doc", PDF, "Word 97-2003 document", "PDF document"),
    ],
)
def test_it_refuses_a_name_that_claims_another_allowed_type(name, content, claimed, detected):
    code, message = refusal(upload(name, content))
    assert code == "type_mismatch"
    assert message == (
        f"The extension of {name} says {claimed}, but the content was detected as {detected}. "
        "Rename the file or upload the right one."
    )


def test_it_refuses_a_truncated_jpeg():
    content = image_bytes("JPEG", size=(400, 300), noise=True)
    code, message = refusal(upload("cut.jpg", content[: len(content) * 2 // 3]))
    assert code == "bad_image"
    assert message == "The image cut.jpg is damaged or incomplete and cannot be opened."


def test_it_refuses_a_png_with_a_damaged_chunk():
    content = bytearray(image_bytes("PNG", noise=True))
    content[-20] ^= 0xFF  # inside the last IDAT: the checksum no longer matches
    code, _message = refusal(upload("damaged.png", bytes(content)))
    assert code == "bad_image"


def test_it_refuses_a_truncated_tiff():
    content = image_bytes("TIFF", size=(200, 200), noise=True)
    code, _message = refusal(upload("cut.tif", content[:5000]))
    assert code == "bad_image"


@pytest.fixture
def pixels_never_decoded(monkeypatch):
    def fail(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", fail)


def test_it_refuses_a_decompression_bomb_without_decoding_it(pixels_never_decoded):
    content = png_header_only(20000, 20000)
    assert len(content) < 100
    code, message = refusal(upload("bomb.png", content))
    assert code == "image_too_large"
    assert "bomb.png" in message
    assert "million pixels" in message


def test_it_keeps_its_own_pixel_limit_when_pillows_is_switched_off(pixels_never_decoded, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    code, message = refusal(upload("bomb.png", png_header_only(20000, 20000)))
    assert code == "image_too_large"
    assert message == "The image bomb.png is 20000 × 20000 pixels, more than the limit of 100 million pixels."


def test_an_image_pillow_warns_about_is_refused_too(pixels_never_decoded):
    with pytest.warns(Image.DecompressionBombWarning):
        code, message = refusal(upload("big.png", png_header_only(10000, 9500)))
    assert code == "image_too_large"
    assert "10000 × 9500" in message


def test_it_does_not_loosen_pillows_global_pixel_limit():
    before = Image.MAX_IMAGE_PIXELS
    inspect_upload(upload("a.png", image_bytes("PNG")), max_bytes=MAX)
    refusal(upload("bomb.png", png_header_only(20000, 20000)))
    assert before == Image.MAX_IMAGE_PIXELS


# --- download names and distances -------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "content_type", "expected"),
    [
        ("朔州 验收报告（终稿）.pdf", "application/pdf", "朔州 验收报告（终稿）.pdf"),
        ("现场照片.pdf", "image/jpeg", "现场照片.jpg"),
        ("现场照片.JPEG", "image/jpeg", "现场照片.jpg"),
        ("扫描件", "application/pdf", "扫描件.pdf"),
        ("report.v2", "application/pdf", "report.v2.pdf"),
        ("invoice.exe", "application/ofd", "invoice.ofd"),
        ('report";filename=evil.exe', "application/pdf", "report_filename_evil.pdf"),
        ("<img src=x onerror=alert(1)>.png", "image/png", "img src_x onerror_alert(1).png"),
        ("..\\..\\etc/passwd", "application/pdf", "passwd.pdf"),
        ("发票\r\nSet-Cookie: x=1.ofd", "application/ofd", "发票_Set-Cookie_ x_1.ofd"),
        ("会议纪要 10:30、定稿.docx", DOCX, "会议纪要 10_30_定稿.docx"),
        ("...", "application/pdf", "file.pdf"),
        ("", "image/png", "file.png"),
        ("CON.docx", DOCX, "_CON.docx"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 150 + ".pdf"),
    ],
)
def test_safe_download_name_keeps_the_users_words_and_the_right_extension(original, content_type, expected):
    assert safe_download_name(original, content_type) == expected


def test_safe_download_name_gives_every_allowed_type_its_canonical_extension():
    for content_type, (extension, _label) in ALLOWED_TYPES.items():
        assert safe_download_name("证据.bin", content_type) == "证据.bin" + extension


def test_one_degree_of_latitude_is_about_111_km():
    assert distance_km(39, 112, 40, 112) == pytest.approx(111.19, abs=0.01)
    assert distance_km(Decimal("39.5"), Decimal("112.4"), Decimal("39.5"), Decimal("112.4")) == 0


def test_distance_km_across_shuozhou():
    # On the sphere one degree of longitude at 40°N is 111.19 km × cos 40° = 85.18 km.
    assert distance_km(40, 112, 40, 113) == pytest.approx(85.18, abs=0.01)
    # 朔城区 to 右玉县 lies almost due north, about 73 km.
    assert distance_km(Decimal("39.331"), Decimal("112.432"), Decimal("39.989"), Decimal("112.466")) == pytest.approx(
        73.2, abs=0.5
    )
