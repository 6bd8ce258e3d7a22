"""What an uploaded evidence file is, decided from its content, and the refusals of anything else.

`inspect_upload` is the one gate every evidence upload goes through (form, API, admin, import):
it checks the name, the size and the content type (by magic bytes, never by the name), opens
images with Pillow to refuse broken ones and decompression bombs, and reads the hash, the pixel
size and the EXIF capture time and GPS position. It never stores anything.

Django's multipart parser already strips folders and non-printable characters from upload names;
the name checks here are the second line, for names that reach us by other paths.
"""

import codecs
import hashlib
import math
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from PIL import Image

DOCX, XLSX, PPTX = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)

# Content type -> (canonical extension, label). The labels go into messages, so no article.
ALLOWED_TYPES: dict[str, tuple[str, "StrOrPromise"]] = {
    "image/jpeg": (".jpg", _("JPEG image")),
    "image/png": (".png", _("PNG image")),
    "image/tiff": (".tif", _("TIFF image")),
    "image/webp": (".webp", _("WebP image")),
    "application/pdf": (".pdf", _("PDF document")),
    DOCX: (".docx", _("Word document")),
    XLSX: (".xlsx", _("Excel workbook")),
    PPTX: (".pptx", _("PowerPoint presentation")),
    "application/msword": (".doc", _("Word 97-2003 document")),
    "application/vnd.ms-excel": (".xls", _("Excel 97-2003 workbook")),
    "application/ofd": (".ofd", _("OFD document")),
}
ALLOWED_SUMMARY = "JPEG, PNG, TIFF, WebP, PDF, Word, Excel, PowerPoint, OFD"


def _extensions(words: str) -> frozenset[str]:
    return frozenset("." + word for word in words.split())


# Every extension a name may carry for an allowed type, lower case with the dot.
EXTENSION_TYPES: dict[str, str] = {ext: ctype for ctype, (ext, _label) in ALLOWED_TYPES.items()} | {
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".tiff": "image/tiff",
}

# Programs, scripts and web pages: a name ending in one of these is refused whatever the content.
# The brief's list, plus the other extensions Windows runs or browsers render.
FORBIDDEN_EXTENSIONS = _extensions(
    "exe dll bat cmd com scr js vbs ps1 sh html htm svg xhtml php jar msi "
    "hta lnk pif cpl msp reg scf wsf wsh vbe jse psm1 svgz xht shtml mht mhtml phtml asp aspx jsp cgi py pl apk"
)

MAX_NAME_LENGTH = 200
IMAGE_MAX_PIXELS = 100_000_000
HEAD_BYTES = 8192
SHANGHAI = ZoneInfo("Asia/Shanghai")
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_BY_EXTENSION = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF", "image/webp": "WEBP"}

# What filetype recognises but we refuse, named for the message.
DETECTED_LABELS = {
    "application/x-msdownload": _("Windows executable"),
    "application/x-executable": _("Linux executable (ELF)"),
    "application/zip": _("ZIP archive"),
    "application/x-rar-compressed": _("RAR archive"),
    "application/x-7z-compressed": _("7-Zip archive"),
    "application/gzip": _("gzip archive"),
    "application/x-tar": _("tar archive"),
    "application/x-bzip2": _("bzip2 archive"),
    "application/x-xz": _("xz archive"),
    "application/vnd.ms-cab-compressed": _("cabinet archive"),
    "application/rtf": _("RTF document"),
    "application/postscript": _("PostScript file"),
    "application/x-sqlite3": _("SQLite database"),
    "application/x-shockwave-flash": _("Flash file"),
    "application/wasm": _("WebAssembly program"),
    "image/gif": _("GIF image"),
    "image/bmp": _("BMP image"),
    "image/heic": _("HEIC image (convert it to JPEG first)"),
    "image/avif": _("AVIF image"),
    "image/vnd.adobe.photoshop": _("Photoshop image"),
    "image/x-icon": _("icon file"),
}

# Characters that reorder how a name is displayed ("photo\u202egpj.exe" shows as "photoexe.jpg").
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Extensions that safe_download_name replaces rather than keeps as part of the stem.
KNOWN_EXTENSIONS = (
    frozenset(EXTENSION_TYPES)
    | FORBIDDEN_EXTENSIONS
    | _extensions("ppt wps et dps odt ods odp txt csv rtf xml json zip rar 7z gz tar gif bmp heic heif avif dat tmp")
)
DOWNLOAD_PUNCTUATION = frozenset(" -_.()（）")
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)
MAX_DOWNLOAD_STEM = 150


@dataclass(frozen=True)
class FileFacts:
    original_name: str  # the name as the user gave it (checked, NFC, outer spaces trimmed), for display
    size: int  # bytes actually read
    sha256: str  # hex digest of the content
    content_type: str  # detected from the content; a key of ALLOWED_TYPES
    extension: str  # canonical extension of that type, e.g. ".pdf"
    is_image: bool
    width: int | None = None  # images only
    height: int | None = None
    captured_at: datetime | None = None  # EXIF DateTimeOriginal (or DateTime), aware; Shanghai time unless it says
    latitude: Decimal | None = None  # EXIF GPS, decimal degrees to 6 places, south negative
    longitude: Decimal | None = None  # east positive, west negative


def inspect_upload(uploaded_file, *, max_bytes: int) -> FileFacts:
    """The facts of an acceptable evidence file, or a ValidationError saying why it is refused.

    Reads the file in chunks and leaves its position at 0, whatever happens.
    """
    try:
        return _inspect(uploaded_file, max_bytes)
    finally:
        uploaded_file.seek(0)


def _inspect(upload, max_bytes: int) -> FileFacts:
    name = _check_name(upload.name)
    shown = _display(name)
    _check_size(upload.size or 0, max_bytes, shown)
    size, sha256 = _hash(upload, max_bytes, shown)
    _check_size(size, max_bytes, shown)

    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    content_type = _detect(upload, head, name, shown)
    claimed = EXTENSION_TYPES.get(_extension(name))
    if claimed is not None and claimed != content_type:
        raise ValidationError(
            _(
                "The extension of %(name)s says %(claimed)s, but the content was detected as %(detected)s. "
                "Rename the file or upload the right one."
            ),
            code="type_mismatch",
            params={"name": shown, "claimed": ALLOWED_TYPES[claimed][1], "detected": ALLOWED_TYPES[content_type][1]},
        )

    _check_polyglot(upload, content_type, shown)
    facts: dict[str, Any] = {"original_name": name, "size": size, "sha256": sha256, "content_type": content_type}
    facts["extension"] = ALLOWED_TYPES[content_type][0]
    facts["is_image"] = content_type in PILLOW_FORMATS
    if facts["is_image"]:
        facts.update(_inspect_image(upload, content_type, shown))
    return FileFacts(**facts)


# --- name -------------------------------------------------------------------------------------


def _display(name: str) -> str:
    """The name as it may appear in a message: no control characters, not endless."""
    shown = "".join("?" if unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS else c for c in name)
    return shown if len(shown) <= 80 else shown[:77] + "…"


def _extension(name: str) -> str:
    """The last extension, lower case with its dot; trailing dots and spaces (dropped by Windows) ignored."""
    stem = name.rstrip(". ")
    if "." not in stem:
        return ""
    return "." + stem.rsplit(".", 1)[1].lower()


def _check_name(raw) -> str:
    name = unicodedata.normalize("NFC", raw or "")
    shown = _display(name)
    if "/" in name or "\\" in name:
        raise ValidationError(
            _("The file name %(name)s contains a folder path. Upload the file itself, with a plain name."),
            code="bad_name",
            params={"name": shown},
        )
    if any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in name):
        raise ValidationError(
            _("The file name %(name)s contains invisible control characters. Rename the file and upload it again."),
            code="bad_name",
            params={"name": shown},
        )
    name = name.strip(" ")
    shown = _display(name)
    if not name.strip(". "):
        raise ValidationError(
            _("The file name “%(name)s” is not a usable name. Rename the file and upload it again."),
            code="bad_name",
            params={"name": shown},
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("The file name %(name)s is longer than %(limit)d characters. Shorten it and upload it again."),
            code="bad_name",
            params={"name": shown, "limit": MAX_NAME_LENGTH},
        )
    extension = _extension(name)
    if extension in FORBIDDEN_EXTENSIONS:
        raise ValidationError(
            _(
                "The file name %(name)s ends in %(extension)s, the extension of a program, script or web page; "
                "evidence files may not carry it."
            ),
            code="bad_name",
            params={"name": shown, "extension": extension},
        )
    return name


# --- size and hash ----------------------------------------------------------------------------


def _megabytes(count: int) -> str:
    value = Decimal(count) / (1024 * 1024)
    text = f"{value:.1f}".removesuffix(".0")
    return text if text != "0" else f"{value:.2g}"


def _check_size(size: int, max_bytes: int, shown: str) -> None:
    if size == 0:
        raise ValidationError(_("The file %(name)s is empty."), code="empty", params={"name": shown})
    if size > max_bytes:
        raise ValidationError(
            _("The file %(name)s is larger than the limit of %(limit)s MB."),
            code="too_large",
            params={"name": shown, "limit": _megabytes(max_bytes)},
        )


def _hash(upload, max_bytes: int, shown: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:  # a declared size that lies stops here, not at the end
            _check_size(size, max_bytes, shown)
        digest.update(chunk)
    return size, digest.hexdigest()


# --- polyglots --------------------------------------------------------------------------------

# Markers of another format hidden inside a file (a JPEG that is also a web page, a PDF that is
# also a ZIP, an image with an executable appended). Searched in the whole file, case-insensitive
# for the markup ones. A random byte run matching one of these by chance is vanishingly unlikely.
_MARKUP = (b"<script", b"<html", b"<svg", b"<iframe", b"<?php", b"javascript:")
_FOREIGN = {
    b"PK\x03\x04": _("a ZIP archive"),
    b"%PDF-": _("a PDF document"),
    b"MZ\x90\x00\x03\x00\x00\x00": _("a Windows program"),
    b"\x7fELF\x02\x01\x01": _("a Linux program"),
}
_PDF_ACTIVE = (b"/javascript", b"/js ", b"/js(", b"/js<", b"/launch")


def _check_polyglot(upload, content_type: str, shown: str) -> None:
    zip_based = content_type in (DOCX, XLSX, PPTX, "application/ofd")
    is_pdf = content_type == "application/pdf"
    foreign = {
        marker: label
        for marker, label in _FOREIGN.items()
        if not (zip_based and marker == b"PK\x03\x04") and not (is_pdf and marker == b"%PDF-")
    }
    upload.seek(0)
    tail = b""
    offset = 0
    for chunk in upload.chunks():
        window = tail + chunk
        lowered = window.lower()
        for marker, label in foreign.items():
            at = window.find(marker)
            if at > 0 or (at == 0 and offset > 0):
                raise _polyglot(shown, label)
        if not zip_based and any(m in lowered for m in _MARKUP):
            raise _polyglot(shown, _("a web page or script"))
        if is_pdf and any(m in lowered for m in _PDF_ACTIVE):
            raise ValidationError(
                _("The PDF %(name)s contains scripts or launch actions; save it again without them."),
                code="active_content",
                params={"name": shown},
            )
        offset += len(chunk)
        tail = window[-16:]


def _polyglot(shown: str, label) -> ValidationError:
    return ValidationError(
        _("The file %(name)s also contains %(other)s hidden inside it; it is refused."),
        code="polyglot",
        params={"name": shown, "other": label},
    )


# --- content type -----------------------------------------------------------------------------


def _unsupported(shown: str, detected=None) -> ValidationError:
    if detected is None:
        return ValidationError(
            _("The file %(name)s is not an allowed document or image (allowed: %(allowed)s)."),
            code="unsupported_type",
            params={"name": shown, "allowed": ALLOWED_SUMMARY},
        )
    return ValidationError(
        _(
            "The content of %(name)s was detected as %(detected)s, "
            "which is not an allowed document or image (allowed: %(allowed)s)."
        ),
        code="unsupported_type",
        params={"name": shown, "detected": detected, "allowed": ALLOWED_SUMMARY},
    )


def _detect(upload, head: bytes, name: str, shown: str) -> str:
    if head.startswith(OLE2_SIGNATURE):
        # Word and Excel 97-2003 share the OLE2 container and cannot be told apart reliably by magic.
        content_type = OLE2_BY_EXTENSION.get(_extension(name))
        if content_type is None:
            raise ValidationError(
                _(
                    "The file %(name)s is an Office 97-2003 (OLE2) file; it is accepted only as a Word document "
                    "named .doc or an Excel workbook named .xls."
                ),
                code="unsupported_type",
                params={"name": shown},
            )
        return content_type
    if head.startswith(ZIP_SIGNATURE):
        return _detect_zip(upload, shown)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    kind = filetype.guess(head)
    if kind is not None:
        mime = "image/png" if kind.mime == "image/apng" else kind.mime  # an APNG is a PNG
        if mime in PILLOW_FORMATS:
            return mime
        raise _unsupported(shown, DETECTED_LABELS.get(mime, mime))
    raise _unsupported(shown, _sniff_text(head))


# A ZIP-based document (Word, Excel, PowerPoint, OFD) must unpack to something sensible.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNPACKED = 300 * 1024 * 1024
ZIP_MAX_RATIO = 150  # a real document compresses well, but not a thousand to one


def _zip_bomb(shown: str, why) -> ValidationError:
    return ValidationError(
        _("The file %(name)s unpacks to %(why)s: it is refused as a possible archive bomb."),
        code="zip_bomb",
        params={"name": shown, "why": why},
    )


def check_zip_archive(archive: zipfile.ZipFile, shown: str) -> None:
    """Refuse an archive whose entry count or unpacked size explodes. The declared sizes are
    checked first, then every entry is really decompressed with a running cap, so a header that
    lies about its size does not get through."""
    entries = archive.infolist()
    if len(entries) > ZIP_MAX_ENTRIES:
        raise _zip_bomb(shown, _("%(count)d entries") % {"count": len(entries)})
    declared = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if declared > ZIP_MAX_UNPACKED or (declared > 1024 * 1024 and declared > ZIP_MAX_RATIO * max(packed, 1)):
        raise _zip_bomb(shown, _("%(size)d MB") % {"size": declared // (1024 * 1024)})
    unpacked = 0
    for entry in entries:
        with archive.open(entry) as member:
            while chunk := member.read(1024 * 1024):
                unpacked += len(chunk)
                if unpacked > ZIP_MAX_UNPACKED or unpacked > ZIP_MAX_RATIO * max(packed, 1) + 1024 * 1024:
                    raise _zip_bomb(shown, _("more than its headers declare"))


def _detect_zip(upload, shown: str) -> str:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()  # reads the central directory only; nothing is decompressed
            check_zip_archive(archive, shown)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _unsupported(shown, _("damaged ZIP archive")) from None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _unsupported(shown, _("macro-enabled Office document"))
    kinds = set()
    if "[Content_Types].xml" in names:
        for prefix, content_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(n.startswith(prefix) for n in names):
                kinds.add(content_type)
    if "OFD.xml" in names:
        kinds.add("application/ofd")
    if len(kinds) == 1:
        return kinds.pop()
    raise _unsupported(shown, _("ZIP archive"))


def _sniff_text(head: bytes):
    """Name markup, scripts and text, which filetype does not recognise; None if nothing fits."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return _("SVG image (which can carry scripts)")
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")):
        return _("web page (HTML)")
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return _("XML or markup file")
    if text.startswith(b"#!"):
        return _("script")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # head may end mid-character
        except UnicodeDecodeError:
            continue
        return _("plain text file")
    return None


# --- images -----------------------------------------------------------------------------------


def _pixel_limit() -> int:
    """Ours, or Pillow's bomb threshold if stricter: nothing Pillow warns about gets through."""
    pillow = Image.MAX_IMAGE_PIXELS
    return min(IMAGE_MAX_PIXELS, pillow) if pillow else IMAGE_MAX_PIXELS


def _too_large(shown: str, size: tuple[int, int] | None) -> ValidationError:
    limit = f"{Decimal(_pixel_limit()) / 1_000_000:.1f}".removesuffix(".0")
    if size is None:
        return ValidationError(
            _("The image %(name)s has more than the limit of %(limit)s million pixels."),
            code="image_too_large",
            params={"name": shown, "limit": limit},
        )
    return ValidationError(
        _("The image %(name)s is %(width)d × %(height)d pixels, more than the limit of %(limit)s million pixels."),
        code="image_too_large",
        params={"name": shown, "width": size[0], "height": size[1], "limit": limit},
    )


def _check_pixels(image, shown: str) -> None:
    width, height = image.size
    if width * height > _pixel_limit():
        raise _too_large(shown, image.size)


def _inspect_image(upload, content_type: str, shown: str) -> dict:
    formats = [PILLOW_FORMATS[content_type]]
    try:
        upload.seek(0)
        with Image.open(upload, formats=formats) as image:
            _check_pixels(image, shown)  # from the header, before a single pixel is decoded
            frames = getattr(image, "n_frames", 1)
            if frames > 1 and content_type == "image/tiff":
                for frame in range(frames):
                    image.seek(frame)
                    _check_pixels(image, shown)
                image.seek(0)
            image.verify()  # checksums (PNG); for the other formats, decoding below is the check
        upload.seek(0)
        with Image.open(upload, formats=formats) as image:
            _check_pixels(image, shown)
            width, height = image.size
            if content_type == "image/jpeg":
                # Decode every scan at 1/8 scale: a truncated JPEG still fails, at 1/64 of the memory.
                image.draft(None, (max(1, width // 8), max(1, height // 8)))
            image.load()
            exif = _exif(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large(shown, None) from None
    except Exception:
        # Pillow reports a broken file with OSError, SyntaxError, ValueError, struct.error, EOFError ...
        raise ValidationError(
            _("The image %(name)s is damaged or incomplete and cannot be opened."),
            code="bad_image",
            params={"name": shown},
        ) from None
    latitude, longitude = _gps(exif)
    return {
        "width": width,
        "height": height,
        "captured_at": _captured_at(exif),
        "latitude": latitude,
        "longitude": longitude,
    }


# --- EXIF -------------------------------------------------------------------------------------

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME, DATETIME_ORIGINAL = 0x0132, 0x9003
OFFSET_TIME, OFFSET_TIME_ORIGINAL = 0x9010, 0x9011


def _exif(image) -> Image.Exif:
    """The image's EXIF; an empty one if it cannot be read (bad EXIF never refuses a good image)."""
    try:
        return image.getexif()
    except Exception:
        return Image.Exif()


def _ifd(exif, tag: int) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:
        return {}


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None


def _offset(value) -> timezone | None:
    """An EXIF 2.31 OffsetTime such as "+08:00"."""
    text = _text(value)
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        minutes = int(text[1:3]) * 60 + int(text[4:6])
    except ValueError:
        return None
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))


def _captured_at(exif) -> datetime | None:
    """DateTimeOriginal (or DateTime), in its own OffsetTime if the camera wrote one, else Shanghai time."""
    try:
        ifd0, exif_ifd = dict(exif), _ifd(exif, EXIF_IFD)
        candidates = [
            (exif_ifd.get(DATETIME_ORIGINAL), exif_ifd.get(OFFSET_TIME_ORIGINAL)),
            (ifd0.get(DATETIME_ORIGINAL), None),  # misplaced by some writers
            (ifd0.get(DATETIME), exif_ifd.get(OFFSET_TIME)),
        ]
        for value, offset in candidates:
            text = _text(value)
            if not text:
                continue
            try:
                naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
            except ValueError:
                continue
            return naive.replace(tzinfo=_offset(offset) or SHANGHAI)
    except Exception:
        return None
    return None


def _fraction(value) -> Fraction:
    """An EXIF rational (IFDRational, (num, den) pair, int or float) as an exact fraction."""
    if isinstance(value, tuple) and len(value) == 2:
        return Fraction(int(value[0]), int(value[1]))
    numerator, denominator = getattr(value, "numerator", None), getattr(value, "denominator", None)
    if isinstance(numerator, int) and isinstance(denominator, int):
        return Fraction(numerator, denominator)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return Fraction(number)


def _degrees(value, ref, positive: str, negative: str, maximum: int) -> Decimal | None:
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    total = sum((_fraction(p) / 60**i for i, p in enumerate(parts)), Fraction(0))
    if total < 0 or total > maximum:
        return None
    ref_text = (_text(ref) or positive).upper()
    if ref_text not in (positive, negative):
        return None
    if ref_text == negative:
        total = -total
    result = Decimal(total.numerator) / Decimal(total.denominator)
    return result.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _gps(exif) -> tuple[Decimal | None, Decimal | None]:
    """Decimal degrees from the GPS IFD; (None, None) when missing, garbage or the 0/0 of 'no fix'."""
    try:
        gps = _ifd(exif, GPS_IFD)
        if 2 not in gps or 4 not in gps:
            return None, None
        latitude = _degrees(gps[2], gps.get(1), "N", "S", 90)
        longitude = _degrees(gps[4], gps.get(3), "E", "W", 180)
    except (ArithmeticError, ValueError, TypeError, InvalidOperation):
        return None, None
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


# --- download names and distances -------------------------------------------------------------


def safe_download_name(original_name: str, content_type: str) -> str:
    """The user's name, cleaned for Content-Disposition, ending in the canonical extension of the content."""
    extension = ALLOWED_TYPES[content_type][0]
    name = unicodedata.normalize("NFC", original_name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(". ")
    stem = name
    if "." in name and "." + name.rsplit(".", 1)[1].lower() in KNOWN_EXTENSIONS:
        stem = name.rsplit(".", 1)[0]
    cleaned = "".join(
        c if unicodedata.category(c)[0] == "L" or unicodedata.category(c) == "Nd" or c in DOWNLOAD_PUNCTUATION else "_"
        for c in stem
    )
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    cleaned = cleaned[:MAX_DOWNLOAD_STEM].strip(" ._") or "file"
    if cleaned.split(".", 1)[0].strip().lower() in WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    return cleaned + extension


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in kilometres (haversine on the mean Earth radius)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
