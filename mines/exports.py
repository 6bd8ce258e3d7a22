"""Export a list as it is shown (same scope, filters, search and ordering) to CSV or Excel.

A list declares its columns once: a header (lazy gettext, so the file is in the request's
language) and where the value comes from. The rows are read with `.values(...)` over
`.iterator(chunk_size=2000)`: one query, no model instances, no per-row queries, and memory
that does not grow with the number of rows.

- CSV streams: a `StreamingHttpResponse` that writes UTF-8 with a BOM (so Excel opens the
  Chinese correctly) while the database cursor is read. No row cap.
- Excel is built with openpyxl's write-only workbook in a temporary file on disk while the rows
  are read, then sent as a `FileResponse`. Memory stays flat; disk use is the size of the
  file. Excel holds at most 1,048,576 rows (the header included); a longer list is refused with
  a message that suggests CSV.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

FORMATS = ("xlsx", "csv")
CHUNK_SIZE = 2000
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, the header row included
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEXT, INTEGER, DECIMAL, DATE, DATETIME = "text", "integer", "decimal", "date", "datetime"
# A cell starting with one of these would be run as a formula by Excel (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Column:
    """One column of an export: its header, the `.values()` lookups it reads and how to show them.

    `display(*values)` turns the looked-up values into the cell; it is built per request by
    `bind()` so that labels are in the request's language.
    """

    header: object
    sources: tuple[str, ...]
    kind: str = TEXT
    places: int = 2
    make_display: Callable[[], Callable] | None = None
    number_format: str = ""

    def bind(self) -> "BoundColumn":
        display = self.make_display() if self.make_display else (lambda value: value)
        return BoundColumn(str(capfirst(self.header)), self, display)


@dataclass
class BoundColumn:
    header: str
    column: Column
    display: Callable
    indexes: tuple[int, ...] = field(default=())


# ---------------------------------------------------------------- column helpers


def text(header, source: str) -> Column:
    return Column(header, (source,))


def integer(header, source: str) -> Column:
    return Column(header, (source,), kind=INTEGER, number_format="0")


def decimal(header, source: str, places: int = 2, *, grouped: bool = True) -> Column:
    """A Decimal shown with `places` decimals; money is `decimal(header, source)`: #,##0.00."""
    fraction = "." + "0" * places if places else ""
    return Column(
        header, (source,), kind=DECIMAL, places=places, number_format=("#,##0" if grouped else "0") + fraction
    )


def money(header, source: str) -> Column:
    return decimal(header, source, 2)


def day(header, source: str) -> Column:
    return Column(header, (source,), kind=DATE, number_format="yyyy-mm-dd")


def moment(header, source: str) -> Column:
    """A timestamp, in local time (Excel has no time zones)."""
    return Column(header, (source,), kind=DATETIME, number_format="yyyy-mm-dd hh:mm")


def choice(header, source: str, choices) -> Column:
    """A choice field shown as its label, e.g. 'coal' → 煤."""

    def make():
        labels = {value: str(label) for value, label in choices.choices}
        return lambda value: labels.get(value, value or "")

    return Column(header, (source,), make_display=make)


def choice_list(header, source: str, choices, separator: str = "、") -> Column:
    """A JSON list of choice values shown as their labels joined by `separator`."""

    def make():
        labels = {value: str(label) for value, label in choices.choices}
        return lambda values: separator.join(labels.get(v, str(v)) for v in (values or []))

    return Column(header, (source,), make_display=make)


def yes_no(header, source: str) -> Column:
    def make():
        yes, no = _("Yes"), _("No")
        return lambda value: yes if value else no

    return Column(header, (source,), make_display=make)


def bilingual(header, prefix: str) -> Column:
    """A county or other BilingualNameMixin model: its English name in the English interface."""

    def make():
        english = (get_language() or "").startswith("en")
        return lambda name, name_en: (name_en or name) if english else name

    return Column(header, (f"{prefix}__name", f"{prefix}__name_en"), make_display=make)


def person(header, prefix: str) -> Column:
    """A user as the pages show them (`str(user)`), read without loading the user."""

    def make():
        from accounts.models import User

        return lambda username, first, last: (
            str(User(username=username, first_name=first or "", last_name=last or "")) if username else ""
        )

    return Column(header, (f"{prefix}__username", f"{prefix}__first_name", f"{prefix}__last_name"), make_display=make)


def computed(header, *sources: str, display: Callable, kind: str = TEXT, number_format: str = "") -> Column:
    """Any other value: `display(*values of sources)`."""
    return Column(header, tuple(sources), kind=kind, make_display=lambda: display, number_format=number_format)


# ---------------------------------------------------------------- rows


def bind(columns: Iterable[Column]) -> tuple[list[BoundColumn], list[str]]:
    """Bind the columns in the current language; return them and the flat list of lookups."""
    bound, sources = [], []
    for column in columns:
        b = column.bind()
        indexes = []
        for source in column.sources:
            if source not in sources:
                sources.append(source)
            indexes.append(sources.index(source))
        b.indexes = tuple(indexes)
        bound.append(b)
    return bound, sources


def queryset_rows(queryset, sources: list[str]) -> Iterator[tuple]:
    """The lookups of every row, one query, read in chunks."""
    return queryset.values_list(*sources).iterator(chunk_size=CHUNK_SIZE)


def _cell(column: BoundColumn, raw: tuple, tz):
    value = column.display(*(raw[i] for i in column.indexes))
    kind = column.column.kind
    if value is None or value == "":
        return None
    if kind == DECIMAL:
        return Decimal(value).quantize(Decimal(1).scaleb(-column.column.places)) if column.column.places else value
    if kind == DATETIME and isinstance(value, datetime):
        return timezone.localtime(value, tz).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def cells(columns: list[BoundColumn], rows: Iterable[tuple]) -> Iterator[list]:
    tz = timezone.get_current_timezone()
    for raw in rows:
        yield [_cell(column, raw, tz) for column in columns]


# ---------------------------------------------------------------- writers


class _Line:
    """A file-like object whose write() hands the line back, for csv.writer."""

    def write(self, value):
        return value


def _csv_text(value, kind) -> str:
    if value is None:
        return ""
    if kind == DECIMAL:
        return f"{value:f}"
    if kind == DATETIME:
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == DATE:
        return value.isoformat()
    text = str(value)
    if kind == TEXT and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_chunks(columns: list[BoundColumn], rows: Iterable[tuple], batch: int = 500) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    kinds = [c.column.kind for c in columns]
    yield "\ufeff".encode() + writer.writerow([c.header for c in columns]).encode()
    lines = []
    for row in cells(columns, rows):
        lines.append(writer.writerow([_csv_text(v, k) for v, k in zip(row, kinds, strict=True)]))
        if len(lines) >= batch:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


class TooManyRows(Exception):
    pass


def write_xlsx(target, columns: list[BoundColumn], rows: Iterable[tuple], *, sheet_title: str) -> int:
    """Write a one-sheet workbook to `target` (a path or a binary file) row by row; return the row count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(sheet_title))
    for index, column in enumerate(columns, start=1):
        width = 14 if column.column.kind != TEXT else 20
        sheet.column_dimensions[get_column_letter(index)].width = max(width, min(2 * len(column.header) + 4, 40))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [c.column.number_format for c in columns]
    count = 0
    for row in cells(columns, rows):
        count += 1
        if count >= XLSX_MAX_ROWS:
            raise TooManyRows
        out = []
        for value, number_format in zip(row, formats, strict=True):
            if value is None:
                out.append(None)
            elif number_format:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
    book.save(target)
    return count


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Sheet")[:31]


# ---------------------------------------------------------------- responses


def export_format(request) -> str | None:
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else None


def export_query(request) -> str:
    """The list's current query string without the page and export parameters."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


def file_name(stem, fmt: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{fmt}"


def export_response(request, *, fmt: str, name, columns: Iterable[Column], queryset=None, rows=None, count=None):
    """The list as a CSV (streamed) or xlsx (built on disk) download.

    Give either `queryset` (read with `.values_list()` over an iterator) or `rows`, a callable that
    takes the list of lookups and yields one tuple per row in that order.
    """
    bound, sources = bind(columns)
    stem = str(name)
    if rows is None:

        def rows(sources):
            return queryset_rows(queryset, sources)

    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(bound, rows(sources)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, file_name(stem, "csv"))
        return response
    if count is None and queryset is not None:
        count = queryset.count()
    if count is not None and count >= XLSX_MAX_ROWS:
        return _too_many(request)
    # Anonymous: gone from disk once closed; FileResponse closes it when the download ends.
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        write_xlsx(spool, bound, rows(sources), sheet_title=stem)
    except TooManyRows:
        spool.close()
        return _too_many(request)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=file_name(stem, "xlsx"), content_type=XLSX_CONTENT_TYPE)


def _too_many(request):
    messages.error(
        request,
        _(
            "This list has more than %(limit)s rows, the most an Excel sheet can hold. "
            "Narrow it with the filters, or export it as CSV, which has no limit."
        )
        % {"limit": f"{XLSX_MAX_ROWS - 1:,}"},
    )
    return HttpResponseRedirect("?" + export_query(request))
