"""Import mines and historical sites from Excel (.xlsx) or CSV: check the file, read it, validate
every row with the same ModelForm the pages use, and import all rows in one transaction or none.

The steps, each a function the views call:

1. `check_upload(upload)`: the name says .xlsx or .csv and the content agrees (an xlsx is a ZIP
   with the OOXML parts and no macros; a CSV is UTF-8 text, with or without a BOM); at most
   `MAX_BYTES`. Anything else is refused with the reason.
2. `read_table(path, extension)`: the first sheet (or the CSV) as a header row and data rows;
   empty rows are skipped; at most `MAX_ROWS` data rows.
3. `Importer.plan(table, user)`: one `RowResult` per row: new, update, unchanged or error, with
   each bad cell and the reason. Rows are upserts keyed by licence number (mines) or site code
   (sites). Labels ("煤", "Coal", "coal") become choice values; a county is named in Chinese,
   in English or by its code; a mine's holder is found by its unified social credit code among
   the holders the user may see (it must already be registered: imports never create holders).
   Every row then goes through MineForm / HistoricalSiteForm, whose validation includes the
   model's clean() and constraints. A column missing from the file leaves an existing record's
   value as it is; an empty cell in a present column empties an optional field.
4. `Importer.apply(table, user, expected=...)`: plan again inside one transaction with the
   existing rows locked; write nothing unless every row is valid (and, if given, the plan is the
   one the user confirmed); save only new and changed rows, so an unchanged row keeps its
   `updated_at`.
"""

import csv
import hashlib
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

import filetype
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import CheckConstraint, F, Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from mines.choices import DamageType, LicensingLevel, Mineral, MiningMethod, ProductionStatus, Scale, TreatmentMode
from mines.forms import HistoricalSiteForm, MineForm
from mines.models import Company, County, GovernanceZone, HistoricalSite, KeyProject, Mine, PlanningArea
from mines.validators import validate_credit_code

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000  # ≈1 ms a row to validate: a full file previews and imports within a web request
MAX_COLUMNS = 200
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # an xlsx expands; more than this is a ZIP bomb, not a list of mines
EXTENSIONS = (".xlsx", ".csv")
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SEPARATORS = re.compile(r"[,，、;；/|\n]+")

REQUIRED = forms.Field.default_error_messages["required"]  # Django's own words, already translated
NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
STATUS_LABELS = {
    NEW: gettext_lazy("new"),
    UPDATE: gettext_lazy("update"),
    UNCHANGED: gettext_lazy("unchanged"),
    ERROR: gettext_lazy("error"),
}


class FileRefused(Exception):
    """The file cannot be read as a table of rows; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- the file


def extension_of(name: str) -> str:
    return Path(name or "").suffix.lower()


def _megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:.0f}"


def check_upload(upload) -> str:
    """The file's extension (".xlsx" or ".csv") if its content is what its name says; else FileRefused."""
    name = upload.name or ""
    extension = extension_of(name)
    if extension not in EXTENSIONS:
        if extension in (".xls", ".et", ".ods", ".numbers"):
            raise FileRefused(
                _(
                    "%(name)s is not an .xlsx workbook. "
                    "Save it in Excel as “Excel workbook (*.xlsx)” and upload it again."
                )
                % {"name": name}
            )
        raise FileRefused(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    if not upload.size:
        raise FileRefused(_("The file %(name)s is empty.") % {"name": name})
    if upload.size > MAX_BYTES:
        raise FileRefused(
            _("The file %(name)s is %(size)s MB; the most that can be imported at once is %(limit)s MB.")
            % {"name": name, "size": f"{upload.size / 1024 / 1024:.1f}", "limit": _megabytes(MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    try:
        if extension == ".xlsx":
            _check_xlsx(upload, head, name)
        else:
            _check_csv(upload, head, name)
    finally:
        upload.seek(0)
    return extension


def _detected(head: bytes) -> str | None:
    """What the content looks like, in words, for the message; None if it is nothing we know."""
    from restoration.evidence_files import ALLOWED_TYPES, DETECTED_LABELS

    if head.startswith(OLE2_SIGNATURE):
        return str(_("an Excel 97-2003 workbook or another Office 97-2003 file"))
    if head.startswith(b"%PDF-"):
        return str(ALLOWED_TYPES["application/pdf"][1])
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime in ALLOWED_TYPES:
        return str(ALLOWED_TYPES[kind.mime][1])
    return str(DETECTED_LABELS.get(kind.mime, kind.mime))


def _not_what_it_says(name: str, claimed, head: bytes) -> FileRefused:
    detected = _detected(head)
    if detected:
        return FileRefused(
            _("%(name)s is named as %(claimed)s, but its content is %(detected)s. Upload the right file.")
            % {"name": name, "claimed": claimed, "detected": detected}
        )
    return FileRefused(
        _("%(name)s is named as %(claimed)s, but its content is not. Upload the right file.")
        % {"name": name, "claimed": claimed}
    )


def _check_xlsx(upload, head: bytes, name: str) -> None:
    claimed = _("an Excel workbook (.xlsx)")
    if not head.startswith(ZIP_SIGNATURE):
        raise _not_what_it_says(name, claimed, head)
    from django.core.exceptions import ValidationError

    from restoration.evidence_files import check_zip_archive

    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            # Entry count and real unpacked size, as for evidence files: a bomb stops here.
            check_zip_archive(archive, name)
    except ValidationError as error:
        raise FileRefused(error.message % error.params) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise FileRefused(_("%(name)s is a damaged or incomplete file.") % {"name": name}) from None
    names = {m.filename for m in members}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRefused(
            _("%(name)s contains macros. Save it as an “Excel workbook (*.xlsx)” without macros.") % {"name": name}
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRefused(
            _("%(name)s is a ZIP archive but not an Excel workbook. Upload the right file.") % {"name": name}
        )
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise FileRefused(_("%(name)s unpacks to far more data than a list of records holds.") % {"name": name})


def _check_csv(upload, head: bytes, name: str) -> None:
    claimed = _("a CSV file (.csv)")
    if head.startswith(ZIP_SIGNATURE) or b"\x00" in head or _detected(head):
        raise _not_what_it_says(name, claimed, head)
    data = upload.read()
    if b"\x00" in data:
        raise _not_what_it_says(name, claimed, head)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(
            _(
                "%(name)s is not UTF-8 text (Excel on Chinese Windows saves CSV as GBK by default). "
                "In Excel choose “Save as” → “CSV UTF-8 (comma delimited)”, or upload the .xlsx workbook."
            )
            % {"name": name}
        ) from None


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]  # (row number in the file, cells)


def read_table(path, extension: str) -> Table:
    """The header row and the non-empty data rows of the first sheet (or of the CSV)."""
    if extension == ".xlsx":
        rows = _xlsx_rows(path)
    elif extension == ".csv":
        rows = _csv_rows(path)
    else:
        raise FileRefused(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    headers = None
    data = []
    try:
        for number, cells in rows:
            if len(cells) > MAX_COLUMNS:
                cells = cells[:MAX_COLUMNS]
            if all(_blank(c) for c in cells):
                continue
            if headers is None:
                headers = ["" if c is None else str(c).strip() for c in cells]
                continue
            if len(data) >= MAX_ROWS:
                raise FileRefused(
                    _("The file has more than %(limit)s rows; split it into files of at most %(limit)s rows.")
                    % {"limit": f"{MAX_ROWS:,}"}
                )
            data.append((number, list(cells[: len(headers)]) + [None] * (len(headers) - len(cells))))
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    if headers is None:
        raise FileRefused(_("The file is empty: it has no header row."))
    if not data:
        raise FileRefused(_("The file has a header row but no rows to import."))
    return Table(headers, data)


def _xlsx_rows(path):
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise FileRefused(_("The workbook cannot be read; open it in Excel, save it again and retry.")) from None
    try:
        if not book.worksheets:
            raise FileRefused(_("The workbook has no worksheet."))
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(_("The workbook cannot be read; open it in Excel, save it again and retry.")) from None
    finally:
        book.close()


def _csv_rows(path):
    text = Path(path).read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error:
        raise FileRefused(_("The CSV file is malformed (an unclosed quotation mark?).")) from None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value) -> str:
    """A cell as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- looking values up


def normalise(text) -> str:
    """For matching headers and labels: no case, no spaces, ASCII brackets and colons."""
    value = shown(text).casefold()
    value = value.translate(str.maketrans("（）：", "():"))
    return re.sub(r"[\s*＊]+", "", value)


def _label_map(choices) -> dict[str, str]:
    """Value, Chinese label and English label → value."""
    out = {}
    for value, _label in choices.choices:
        out[normalise(value)] = value
        for language in ("en", "zh-hans"):
            with override(language):
                out.setdefault(normalise(str(choices(value).label)), value)
    return out


def _labels(choices) -> str:
    return "、".join(str(label) for _value, label in choices.choices)


class Lookup:
    """Objects found by any of several names (code, Chinese name, English name)."""

    def __init__(self, objects, *attributes):
        self.by_name: dict[str, list] = {}
        for obj in objects:
            for attribute in attributes:
                key = normalise(getattr(obj, attribute, "") or "")
                if key and obj not in self.by_name.setdefault(key, []):
                    self.by_name[key].append(obj)

    def find(self, text):
        found = self.by_name.get(normalise(text), [])
        return found[0] if len(found) == 1 else (None if not found else "ambiguous")


class PrefetchedChoiceField(forms.ModelChoiceField):
    """The form's own choice field, answered from its queryset read once for the whole file."""

    def __init__(self, original: forms.ModelChoiceField, objects_by_pk: dict):
        super().__init__(
            queryset=original.queryset,
            required=original.required,
            label=original.label,
            error_messages=original.error_messages,
        )
        self.objects_by_pk = objects_by_pk

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = getattr(value, "pk", value)
        try:
            return self.objects_by_pk[int(key)]
        except (KeyError, ValueError, TypeError):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


# ---------------------------------------------------------------- check constraints without a query per row


class _Unsupported(Exception):
    pass


class _Excluded(Exception):
    pass


COMPARISONS = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _kleene(results, connector):
    """SQL's three-valued AND / OR: None is unknown."""
    decisive = connector == Q.OR
    if any(r is decisive for r in results):
        return decisive
    if any(r is None for r in results):
        return None
    return not decisive


def _operand(instance, name: str, exclude):
    if "__" in name:
        raise _Unsupported
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Unsupported from None
    if name in exclude:
        raise _Excluded
    return getattr(instance, field.attname)


def _holds(node, instance, exclude):
    """A constraint's condition evaluated on the instance as SQL would: True, False or None."""
    if isinstance(node, Q):
        if node.connector not in (Q.AND, Q.OR):
            raise _Unsupported
        result = _kleene([_holds(child, instance, exclude) for child in node.children], node.connector)
        return (None if result is None else not result) if node.negated else result
    if not isinstance(node, tuple):
        raise _Unsupported  # an expression: let the database decide
    lookup, right = node
    name, _sep, operator = lookup.partition("__")
    operator = operator or "exact"
    if operator not in (*COMPARISONS, "in", "isnull", "regex"):
        raise _Unsupported
    left = _operand(instance, name, exclude)
    if isinstance(right, F):
        right = _operand(instance, right.name, exclude)
    elif hasattr(right, "resolve_expression"):
        raise _Unsupported
    if operator == "isnull":
        return (left is None) == bool(right)
    if operator == "exact" and right is None:
        return left is None
    if left is None or right is None:
        return None
    if operator == "in":
        return left in list(right)
    if operator == "regex":
        return re.search(right, str(left)) is not None
    return COMPARISONS[operator](left, right)


def validate_constraints_in_python(instance, exclude=None):
    """Model.validate_constraints() without a query per check constraint.

    Django checks each CheckConstraint with a query (`Q.check`); for thousands of rows that is most
    of the time of an import. The conditions of the inventory's constraints are plain comparisons,
    evaluated here with SQL's NULL logic; any condition this cannot evaluate, and every other kind
    of constraint, is checked by Django as usual. The database enforces them all again on write.
    """
    exclude = set(exclude or ())
    errors = {}
    using = router.db_for_write(instance.__class__, instance=instance)
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, CheckConstraint):
                condition = getattr(constraint, "condition", None) or constraint.check
                try:
                    holds = _holds(Q(condition), instance, exclude)
                except _Excluded:
                    continue
                except _Unsupported:
                    pass
                else:
                    if holds is False:
                        error = ValidationError(
                            constraint.get_violation_error_message(), code=constraint.violation_error_code
                        )
                        errors = error.update_error_dict(errors)
                    continue
            try:
                constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as error:
                if getattr(error, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- columns


@dataclass
class ImportColumn:
    """A column of the file: the form field it fills (or a check-only column) and how to read it."""

    name: str
    header: object
    kind: str = "text"  # text, number, date, bool, choice, choices, lookup, json, credit_code, company_name
    required: bool = False
    choices: object = None
    aliases: tuple = ()
    note: object = ""

    def titles(self) -> set[str]:
        out = {normalise(self.name)}
        for language in ("zh-hans", "en"):
            with override(language):
                out.add(normalise(capfirst(str(self.header))))
                out.update(normalise(str(a)) for a in self.aliases)
        return out


def _verbose(model, name):
    return model._meta.get_field(name).verbose_name


@dataclass
class RowResult:
    number: int
    cells: list[str]  # as shown, in the order of the file's recognised columns
    key: str = ""
    status: str = NEW
    cell_errors: dict[str, list[str]] = field(default_factory=dict)
    row_errors: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    form: object = None

    @property
    def ok(self) -> bool:
        return not self.cell_errors and not self.row_errors

    def cell_error(self, name: str, message) -> None:
        self.cell_errors.setdefault(name, []).append(str(message))

    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class Plan:
    columns: list[ImportColumn]  # recognised, in file order
    ignored: list[str]  # headers not recognised
    missing: list[ImportColumn]  # importable columns the file does not have
    rows: list[RowResult]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.status for row in self.rows)
        return {status: counted.get(status, 0) for status in (NEW, UPDATE, UNCHANGED, ERROR)}

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def fingerprint(self) -> str:
        """What the user confirms: every row's key, outcome and changed columns."""
        digest = hashlib.sha256()
        for row in self.rows:
            digest.update(f"{row.number}|{row.key}|{row.status}|{','.join(row.changed)}\n".encode())
        return digest.hexdigest()[:32]

    def cell_rows(self, rows=None):
        """For the template: each row, its (value, errors, changed) per recognised column, and the
        headers of its bad columns (a wide table hides some of them to the right)."""
        for row in self.rows if rows is None else rows:
            cells = [
                (value, row.cell_errors.get(column.name, []), column.name in row.changed)
                for column, value in zip(self.columns, row.cells, strict=True)
            ]
            bad = [str(capfirst(c.header)) for c in self.columns if c.name in row.cell_errors]
            yield row, cells, bad

    def to_dict(self) -> dict:
        """What the preview shows, as JSON, so that paging through it does not validate it again."""
        return {
            "columns": [c.name for c in self.columns],
            "ignored": self.ignored,
            "missing": [c.name for c in self.missing],
            "rows": [[r.number, r.key, r.status, r.cells, r.cell_errors, r.row_errors, r.changed] for r in self.rows],
        }

    @classmethod
    def from_dict(cls, importer, data: dict) -> "Plan":
        return cls(
            columns=[importer.by_name[name] for name in data["columns"]],
            ignored=data["ignored"],
            missing=[importer.by_name[name] for name in data["missing"]],
            rows=[
                RowResult(number, cells, key, status, cell_errors, row_errors, changed)
                for number, key, status, cells, cell_errors, row_errors, changed in data["rows"]
            ],
        )


class StaleConfirmation(Exception):
    """The records changed between the preview and the confirmation."""


class Rejected(Exception):
    def __init__(self, plan):
        super().__init__("rows with errors")
        self.plan = plan


class Importer:
    """What differs between mines and sites: the model, its form, its key and its columns."""

    kind = ""
    model = None
    form_class = None
    key = ""
    title = ""
    columns: list[ImportColumn] = []
    export_only: tuple = ()  # headers the export writes that an import ignores without a word

    @cached_property
    def by_title(self) -> dict[str, ImportColumn]:
        out = {}
        for column in self.columns:
            for title in column.titles():
                out.setdefault(title, column)
        return out

    @cached_property
    def by_name(self) -> dict[str, ImportColumn]:
        return {column.name: column for column in self.columns}

    @cached_property
    def quiet(self) -> set[str]:
        out = set()
        for header in self.export_only:
            for language in ("zh-hans", "en"):
                with override(language):
                    out.add(normalise(capfirst(str(header))))
        return out

    def outside_scope_message(self) -> str:
        raise NotImplementedError

    # ---- permissions

    @property
    def perms(self) -> tuple[str, str]:
        label = self.model._meta.model_name
        return f"mines.add_{label}", f"mines.change_{label}"

    def allowed(self, user) -> bool:
        return all(user.has_perm(p) for p in self.perms)

    # ---- header

    def match_headers(self, headers: list[str]):
        """(recognised columns with their positions, ignored headers); FileRefused if unusable."""
        recognised, ignored, seen = [], [], {}
        for position, header in enumerate(headers):
            if not header:
                continue
            column = self.by_title.get(normalise(header))
            if column is None:
                if normalise(header) not in self.quiet:
                    ignored.append(header)
                continue
            if column.name in seen:
                raise FileRefused(
                    _("The columns “%(first)s” and “%(second)s” both hold %(column)s; keep one.")
                    % {"first": seen[column.name], "second": header, "column": capfirst(str(column.header))}
                )
            seen[column.name] = header
            recognised.append((position, column))
        if self.key not in seen:
            key_column = next(c for c in self.columns if c.name == self.key)
            raise FileRefused(
                _("The file has no “%(column)s” column, which says which record each row is. Start from the template.")
                % {"column": capfirst(str(key_column.header))}
            )
        return recognised, ignored

    # ---- the plan

    def plan(self, table: Table, user, *, lock: bool = False) -> Plan:
        recognised, ignored = self.match_headers(table.headers)
        columns = [column for _position, column in recognised]
        present = {column.name for column in columns}
        missing = [c for c in self.columns if c.name not in present and c.kind not in ("company_name",)]
        context = self.prepare(table, recognised, user, lock=lock)
        first_row: dict[str, int] = {}
        rows = []
        form_class, fields = self.prepared_form(user)
        for number, cells in table.rows:
            values = {column.name: cells[position] for position, column in recognised}
            result = RowResult(number=number, cells=[shown(cells[position]) for position, _c in recognised])
            result.key = shown(values.get(self.key))
            self.check_row(result, values, present, context, user, first_row, (form_class, fields))
            rows.append(result)
        return Plan(columns=columns, ignored=ignored, missing=missing, rows=rows)

    def prepare(self, table, recognised, user, *, lock: bool) -> dict:
        """Everything the rows look up, read once: existing records by key, counties, choices…"""
        position = next(p for p, c in recognised if c.name == self.key)
        keys = {shown(cells[position]) for _n, cells in table.rows} - {""}
        existing = {}
        queryset = self.model.objects.all()
        if lock:
            queryset = queryset.select_for_update()
        key_list = sorted(keys)
        for start in range(0, len(key_list), 500):
            for obj in queryset.filter(**{f"{self.key}__in": key_list[start : start + 500]}):
                existing[getattr(obj, self.key)] = obj
        visible = (
            set(
                self.model.objects.visible_to(user)
                .filter(pk__in=[o.pk for o in existing.values()])
                .values_list("pk", flat=True)
            )
            if existing
            else set()
        )
        counties = list(County.objects.all())
        return {
            "existing": existing,
            "visible": visible,
            "counties": Lookup(counties, "name", "name_en", "code"),
            "own_counties": None if user.sees_all_counties else set(user.counties.values_list("pk", flat=True)),
        }

    def prepared_form(self, user):
        """The form class and its fields, made once for every row of the file.

        A form deep-copies its fields when it is made, which is most of the cost of a row; the
        fields are not changed while a form validates, so the rows can share one set: the form's
        own fields with the querysets it gives this user, the choice fields answered from those
        querysets read once.
        """
        prototype = self.form_class(user=user)
        fields = {}
        for name, field_ in prototype.fields.items():
            if isinstance(field_, forms.ModelChoiceField):
                field_ = PrefetchedChoiceField(field_, {obj.pk: obj for obj in field_.queryset})
            fields[name] = field_
        key = self.key

        def _get_validation_exclusions(form):
            # The choice fields were answered from the user's own querysets: the model's check that
            # the related row exists would ask the database the same question again, row by row.
            exclude = super(form_class, form)._get_validation_exclusions()
            exclude.update(n for n, f in form.fields.items() if isinstance(f, PrefetchedChoiceField))
            return exclude

        def validate_unique(form):
            # The key's uniqueness is settled for the whole file at once (prepare(), duplicates in
            # the file); every other unique check runs as usual.
            try:
                form.instance.validate_unique(exclude={*form._get_validation_exclusions(), key})
            except ValidationError as error:
                form._update_errors(error)

        form_class = type(
            f"Import{self.form_class.__name__}",
            (self.form_class,),
            {"_get_validation_exclusions": _get_validation_exclusions, "validate_unique": validate_unique},
        )
        form_class.base_fields = {}  # nothing to copy: each form gets the shared fields below
        return form_class, fields

    def check_row(self, result, values, present, context, user, first_row, prepared) -> None:
        key = result.key
        if not key:
            result.cell_error(self.key, REQUIRED)
        elif key in first_row:
            result.cell_error(self.key, _("Already on row %(row)d of this file.") % {"row": first_row[key]})
        else:
            first_row[key] = result.number
        existing = context["existing"].get(key)
        if existing is not None and existing.pk not in context["visible"]:
            result.cell_error(self.key, self.outside_scope_message())
        if result.cell_errors:
            result.status = ERROR
            return
        before = model_to_dict(existing, fields=list(self.form_class.Meta.fields)) if existing else {}
        data = dict(before)
        for name, raw in values.items():
            column = self.by_name[name]
            try:
                parsed = self.parse(column, raw, context, result, values)
            except ValidationError as error:
                for message in error.messages:
                    result.cell_error(name, message)
                continue
            if column.kind != "company_name":
                data[name] = parsed
        self.check_scope(result, data, context)
        form_class, fields = prepared
        form = form_class(data=data, instance=existing, user=user)
        form.fields = fields
        form.instance.validate_constraints = partial(validate_constraints_in_python, form.instance)
        form.is_valid()
        for name, messages in form.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
                result.row_errors.extend(messages)
            elif name in result.cell_errors:
                continue  # our own reading of the cell already says what is wrong
            elif name in present:
                for message in messages:
                    result.cell_error(name, message)
            else:
                column = self.by_name.get(name)
                label = capfirst(str(column.header if column else form.fields[name].label))
                result.row_errors.extend(f"{label}: {m}" for m in messages)
        result.form = form
        if not result.ok:
            result.status = ERROR
        elif existing is None:
            result.status = NEW
            result.changed = [c.name for c in self.columns if c.name in present]
        else:
            result.changed = [name for name in form.fields if _differs(before.get(name), form.cleaned_data.get(name))]
            if "company" in result.changed:
                result.changed.append("company_name")
            result.status = UPDATE if result.changed else UNCHANGED

    def check_scope(self, result, data, context) -> None:
        """An officer of some counties imports rows in those counties only."""
        own = context["own_counties"]
        if own is None:
            return
        county = data.get("county")
        county_id = getattr(county, "pk", county)
        if county_id and county_id not in own and "county" not in result.cell_errors:
            result.cell_error("county", _("This county is outside your counties."))

    # ---- cells

    def parse(self, column: ImportColumn, raw, context, result, values):
        """The form's value for a cell, or ValidationError with the reason."""
        if column.kind == "text":
            return shown(raw)
        if column.kind == "number":
            text = shown(raw).replace(",", "").replace("，", "").replace(" ", "")
            return text
        if column.kind == "date":
            return parse_date(raw)
        if column.kind == "bool":
            return parse_bool(raw)
        if column.kind == "choice":
            return parse_choice(raw, column)
        if column.kind == "choices":
            return parse_choices(raw, column)
        if column.kind == "json":
            return shown(raw) or None
        if column.kind == "county":
            return self.find(raw, context["counties"], column)
        raise NotImplementedError(column.kind)

    def find(self, raw, lookup: Lookup, column):
        text = shown(raw)
        if not text:
            return None
        found = lookup.find(text)
        if found == "ambiguous":
            raise ValidationError(
                _("More than one %(column)s is called “%(value)s”; use its code.")
                % {"column": str(column.header), "value": text}
            )
        if found is None:
            raise ValidationError(
                _("“%(value)s” is not a known %(column)s.") % {"value": text, "column": str(column.header)}
            )
        return found.pk

    # ---- writing

    def apply(self, table: Table, user, *, expected: str | None = None) -> dict[str, int]:
        """Import every row in one transaction, or nothing: Rejected(plan) if any row is bad,
        StaleConfirmation if the plan is not the one the user saw (`expected`, its fingerprint).

        The rows are validated again inside the transaction with the existing records locked; new
        records are inserted in batches, changed ones updated in batches (their `updated_at` set),
        unchanged ones not written at all.
        """
        try:
            with transaction.atomic():
                plan = self.plan(table, user, lock=True)
                if not plan.ok:
                    raise Rejected(plan)
                if expected is not None and expected != plan.fingerprint:
                    raise StaleConfirmation
                self.write(plan)
        except IntegrityError:
            raise StaleConfirmation from None
        return plan.counts

    def write(self, plan: Plan) -> None:
        created = [row.form.instance for row in plan.rows if row.status == NEW]
        updated = [row for row in plan.rows if row.status == UPDATE]
        self.model.objects.bulk_create(created, batch_size=500)
        if updated:
            concrete = {f.name for f in self.model._meta.concrete_fields}
            fields = sorted({name for row in updated for name in row.changed if name in concrete})
            now = timezone.now()
            for row in updated:
                row.form.instance.updated_at = now
            self.model.objects.bulk_update([row.form.instance for row in updated], [*fields, "updated_at"], 500)


def _differs(old, new) -> bool:
    new = getattr(new, "pk", new)
    if old in (None, "") and new in (None, ""):
        return False
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) != Decimal(str(new))
        except (ArithmeticError, ValueError, TypeError):
            return True
    return old != new


def parse_date(raw):
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = shown(raw)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("Enter a date as YYYY-MM-DD, e.g. 2025-06-30."))


TRUE_WORDS = {"是", "yes", "y", "true", "1", "有", "已备案", "√", "✓"}
FALSE_WORDS = {"否", "no", "n", "false", "0", "无", "未备案", ""}


def parse_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = normalise(raw)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(_("Write 是 or 否 (Yes or No)."))


_CHOICE_MAPS: dict[type, dict] = {}


def _choice_map(choices):
    if choices not in _CHOICE_MAPS:
        _CHOICE_MAPS[choices] = _label_map(choices)
    return _CHOICE_MAPS[choices]


def parse_choice(raw, column: ImportColumn):
    text = shown(raw)
    if not text:
        return ""
    value = _choice_map(column.choices).get(normalise(text))
    if value is None:
        raise ValidationError(
            _("“%(value)s” is not a known %(column)s. Use one of: %(choices)s.")
            % {"value": text, "column": str(column.header), "choices": _labels(column.choices)}
        )
    return value


def parse_choices(raw, column: ImportColumn):
    values = []
    for part in SEPARATORS.split(shown(raw)):
        if not part.strip():
            continue
        value = _choice_map(column.choices).get(normalise(part))
        if value is None:
            raise ValidationError(
                _("“%(value)s” is not a known %(column)s. Use one of: %(choices)s.")
                % {"value": part.strip(), "column": str(column.header), "choices": _labels(column.choices)}
            )
        if value not in values:
            values.append(value)
    return values


# ---------------------------------------------------------------- mines


class MineImporter(Importer):
    kind = "mines"
    model = Mine
    form_class = MineForm
    key = "licence_no"
    title = gettext_lazy("Import mines")
    columns = [
        ImportColumn(
            "licence_no",
            _verbose(Mine, "licence_no"),
            required=True,
            note=gettext_lazy("The key: a row with a licence number already registered updates that mine."),
        ),
        ImportColumn("name", _verbose(Mine, "name"), required=True, aliases=(gettext_lazy("Mine name"),)),
        ImportColumn(
            "company_name",
            _verbose(Mine, "company"),
            kind="company_name",
            note=gettext_lazy("Optional; if given it must be the registered name of the holder with that credit code."),
        ),
        ImportColumn(
            "company",
            _verbose(Company, "credit_code"),
            kind="credit_code",
            required=True,
            note=gettext_lazy("The holder must already be registered and within your scope."),
        ),
        ImportColumn(
            "county",
            _verbose(Mine, "county"),
            kind="county",
            required=True,
            note=gettext_lazy("Name or administrative code, e.g. 平鲁区 or 140603."),
        ),
        ImportColumn("mineral", _verbose(Mine, "mineral"), kind="choice", required=True, choices=Mineral),
        ImportColumn(
            "mining_method", _verbose(Mine, "mining_method"), kind="choice", required=True, choices=MiningMethod
        ),
        ImportColumn(
            "licensing_level", _verbose(Mine, "licensing_level"), kind="choice", required=True, choices=LicensingLevel
        ),
        ImportColumn("scale", _verbose(Mine, "scale"), kind="choice", required=True, choices=Scale),
        ImportColumn(
            "design_capacity",
            _verbose(Mine, "design_capacity"),
            kind="number",
            required=True,
            note=gettext_lazy("10⁴ t/year; for granite 10⁴ m³/year."),
        ),
        ImportColumn(
            "production_status",
            _verbose(Mine, "production_status"),
            kind="choice",
            required=True,
            choices=ProductionStatus,
        ),
        ImportColumn(
            "licence_valid_from", _verbose(Mine, "licence_valid_from"), kind="date", note=gettext_lazy("YYYY-MM-DD")
        ),
        ImportColumn(
            "licence_valid_to", _verbose(Mine, "licence_valid_to"), kind="date", note=gettext_lazy("YYYY-MM-DD")
        ),
        ImportColumn(
            "longitude",
            _verbose(Mine, "longitude"),
            kind="number",
            required=True,
            note=gettext_lazy("Decimal degrees inside Shuozhou, e.g. 112.43."),
        ),
        ImportColumn(
            "latitude",
            _verbose(Mine, "latitude"),
            kind="number",
            required=True,
            note=gettext_lazy("Decimal degrees inside Shuozhou, e.g. 39.33."),
        ),
        ImportColumn("area_km2", _verbose(Mine, "area_km2"), kind="number"),
        ImportColumn(
            "planning_area", _verbose(Mine, "planning_area"), kind="planning_area", note=gettext_lazy("Name or code.")
        ),
        ImportColumn(
            "land_reclamation_plan_filed",
            _verbose(Mine, "land_reclamation_plan_filed"),
            kind="bool",
            note=gettext_lazy("是 or 否; empty means 否."),
        ),
    ]
    export_only = (gettext_lazy("green mine"),)

    def outside_scope_message(self):
        return _("A mine with this licence number is registered outside your scope.")

    def prepare(self, table, recognised, user, *, lock: bool) -> dict:
        context = super().prepare(table, recognised, user, lock=lock)
        companies = list(Company.objects.visible_to(user))
        context["companies"] = {c.credit_code: c for c in companies}
        context["planning_areas"] = Lookup(PlanningArea.objects.visible_to(user), "code", "name", "name_en")
        return context

    def parse(self, column, raw, context, result, values):
        if column.kind == "credit_code":
            code = shown(raw).upper()
            if not code:
                raise ValidationError(REQUIRED)
            validate_credit_code(code)
            company = context["companies"].get(code)
            if company is None:
                raise ValidationError(
                    _(
                        "No mining-rights holder with this credit code is registered within your scope; "
                        "register it first."
                    )
                )
            return company.pk
        if column.kind == "company_name":
            name = shown(raw)
            company = context["companies"].get(shown(values.get("company")).upper())
            if name and company is not None and normalise(name) != normalise(company.name):
                raise ValidationError(
                    _("The holder with this credit code is registered as “%(name)s”.") % {"name": company.name}
                )
            return name
        if column.kind == "planning_area":
            return self.find(raw, context["planning_areas"], column)
        return super().parse(column, raw, context, result, values)


# ---------------------------------------------------------------- historical sites


class SiteImporter(Importer):
    kind = "sites"
    model = HistoricalSite
    form_class = HistoricalSiteForm
    key = "code"
    title = gettext_lazy("Import historical sites")
    columns = [
        ImportColumn(
            "code",
            _verbose(HistoricalSite, "code"),
            required=True,
            note=gettext_lazy("The key: a row with a code already registered updates that site."),
        ),
        ImportColumn("name", _verbose(HistoricalSite, "name"), required=True),
        ImportColumn(
            "county",
            _verbose(HistoricalSite, "county"),
            kind="county",
            required=True,
            note=gettext_lazy("Name or administrative code, e.g. 平鲁区 or 140603."),
        ),
        ImportColumn(
            "former_mineral", _verbose(HistoricalSite, "former_mineral"), kind="choice", required=True, choices=Mineral
        ),
        ImportColumn(
            "longitude",
            _verbose(HistoricalSite, "longitude"),
            kind="number",
            required=True,
            note=gettext_lazy("Decimal degrees inside Shuozhou, e.g. 112.43."),
        ),
        ImportColumn(
            "latitude",
            _verbose(HistoricalSite, "latitude"),
            kind="number",
            required=True,
            note=gettext_lazy("Decimal degrees inside Shuozhou, e.g. 39.33."),
        ),
        ImportColumn("damaged_area_ha", _verbose(HistoricalSite, "damaged_area_ha"), kind="number", required=True),
        ImportColumn(
            "damage_types",
            _verbose(HistoricalSite, "damage_types"),
            kind="choices",
            choices=DamageType,
            note=gettext_lazy("Several separated by 、 or commas."),
        ),
        ImportColumn(
            "treatment_mode",
            _verbose(HistoricalSite, "treatment_mode"),
            kind="choice",
            required=True,
            choices=TreatmentMode,
        ),
        ImportColumn(
            "key_project",
            _verbose(HistoricalSite, "key_project"),
            kind="key_project",
            note=gettext_lazy("The project's code."),
        ),
        ImportColumn("zone", _verbose(HistoricalSite, "zone"), kind="zone", note=gettext_lazy("Name or code.")),
        ImportColumn(
            "boundary",
            _verbose(HistoricalSite, "boundary"),
            kind="json",
            note=gettext_lazy("Optional GeoJSON Polygon or MultiPolygon."),
        ),
    ]
    export_only = (_verbose(HistoricalSite, "status"), _verbose(HistoricalSite, "area_restored_ha"))

    def outside_scope_message(self):
        return _("A historical site with this code is registered outside your scope.")

    def prepare(self, table, recognised, user, *, lock: bool) -> dict:
        context = super().prepare(table, recognised, user, lock=lock)
        context["key_projects"] = Lookup(KeyProject.objects.visible_to(user), "code")
        context["zones"] = Lookup(GovernanceZone.objects.visible_to(user), "code", "name")
        return context

    def parse(self, column, raw, context, result, values):
        if column.kind == "key_project":
            return self.find(raw, context["key_projects"], column)
        if column.kind == "zone":
            return self.find(raw, context["zones"], column)
        return super().parse(column, raw, context, result, values)


IMPORTERS = {importer.kind: importer for importer in (MineImporter(), SiteImporter())}


# ---------------------------------------------------------------- the template


def template_xlsx(importer: Importer) -> bytes:
    """An empty workbook with the headers, and a second sheet that explains each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = str(importer.model._meta.verbose_name_plural)[:31]
    bold = Font(bold=True)
    sheet.append([str(capfirst(c.header)) for c in importer.columns])
    for index, column in enumerate(importer.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(2 * len(str(column.header)) + 4, 40))
        if column.kind in ("text", "credit_code", "company_name"):
            # Keep licence numbers and credit codes as text, or Excel turns long digits into 1.4E+17.
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(str(_("Instructions"))[:31])
    notes.append([str(_("Column")), str(_("Required")), str(_("What to write")), str(_("English header"))])
    for cell in notes[1]:
        cell.font = bold
    for line in column_notes(importer):
        notes.append([line["header"], line["required"], line["note"], line["english"]])
    for letter, width in zip("ABCD", (24, 8, 90, 28), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(importer: Importer) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow([str(capfirst(c.header)) for c in importer.columns])
    return "\ufeff".encode() + out.getvalue().encode()


def column_notes(importer: Importer) -> list[dict]:
    """Per column: its header, whether it is required, what to write, and its English header."""
    lines = []
    for column in importer.columns:
        note = str(column.note) if column.note else ""
        if column.kind in ("choice", "choices"):
            allowed = _("One of: %(choices)s.") % {"choices": _labels(column.choices)}
            note = f"{allowed} {note}".strip()
        elif column.kind == "number" and not note:
            note = _("A number.")
        with override("en"):
            english = str(capfirst(column.header))
        lines.append(
            {
                "header": str(capfirst(column.header)),
                "required": str(_("Yes")) if column.required else "",
                "note": note,
                "english": english,
            }
        )
    return lines
