"""Import pages: upload → preview (every row, each bad cell and why) → import all or nothing.

Between the preview and the confirmation the uploaded file is kept in the private MEDIA_ROOT
(`imports/`, never served) under a random name. The name, the original file name and the file's
SHA-256 are kept in the user's session, so only that session can preview or confirm it, and a
file changed on disk is refused. Each confirmation reads and validates the stored file again
from scratch; nothing in the submitted form is trusted but the token that names the file. The
file is deleted after the import, on cancel, when the same session uploads another file of the
same kind, and (any user's) once older than the session lifetime.
"""

import json
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mines import imports
from mines.exports import XLSX_CONTENT_TYPE

SESSION_KEY = "mine_imports"
TOKEN_BYTES = 24
LIST_URLS = {"mines": "mine-list", "sites": "site-list"}
PREVIEW_PAGE_SIZE = 200


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a CSV file (.csv) in UTF-8."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


def _importer(request, kind) -> imports.Importer:
    importer = imports.IMPORTERS.get(kind)
    if importer is None:
        raise Http404
    if not importer.allowed(request.user):
        raise PermissionDenied
    return importer


# ---------------------------------------------------------------- the kept file


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Forget files nobody confirmed: older than a session can live."""
    cutoff = time.time() - settings.SESSION_COOKIE_AGE
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def _keep(request, kind: str, upload, extension: str) -> str:
    folder = _folder()
    _sweep(folder)
    for token, entry in list(request.session.get(SESSION_KEY, {}).items()):
        if entry["kind"] == kind:
            _forget(request, token)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    path = folder / f"{token}{extension}"
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    entries = request.session.get(SESSION_KEY, {})
    entries[token] = {
        "kind": kind,
        "name": upload.name,
        "extension": extension,
        "sha256": imports.sha256_of(path),
        "user": request.user.pk,
        "at": timezone.now().isoformat(),
    }
    request.session[SESSION_KEY] = entries
    return token


def _kept(request, kind: str, token: str) -> tuple[dict, Path]:
    """The session's record of the file and its path; 404 if this session did not upload it."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry["kind"] != kind or entry["user"] != request.user.pk:
        raise Http404
    path = _folder() / f"{token}{entry['extension']}"
    if not path.is_file() or imports.sha256_of(path) != entry["sha256"]:
        _forget(request, token)
        raise Http404
    return entry, path


def _forget(request, token: str) -> None:
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    if entry:
        (_folder() / f"{token}{entry['extension']}").unlink(missing_ok=True)
        _plan_path(token).unlink(missing_ok=True)


# ---------------------------------------------------------------- pages


def _upload_context(importer, kind, form, **extra) -> dict:
    return {
        "importer": importer,
        "kind": kind,
        "form": form,
        "notes": imports.column_notes(importer),
        "list_url": reverse(LIST_URLS[kind]),
        "max_rows": imports.MAX_ROWS,
        "max_megabytes": imports.MAX_BYTES // (1024 * 1024),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, kind):
    importer = _importer(request, kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            extension = imports.check_upload(upload)
        except imports.FileRefused as refused:
            form.add_error("file", refused.message)
        else:
            token = _keep(request, kind, upload, extension)
            return redirect("import-preview", kind=kind, token=token)
    return render(
        request, "mines/import_upload.html", _upload_context(importer, kind, form), status=400 if form.errors else 200
    )


def _plan_path(token: str) -> Path:
    return _folder() / f"{token}.plan.json"


def _saved_plan(importer, token: str, entry: dict):
    """The preview computed earlier for this very file, if any."""
    path = _plan_path(token)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("sha256") != entry["sha256"]:
        return None
    return imports.Plan.from_dict(importer, data["plan"]), data["fingerprint"]


def _save_plan(token: str, entry: dict, plan) -> None:
    data = {"sha256": entry["sha256"], "fingerprint": plan.fingerprint, "plan": plan.to_dict()}
    _plan_path(token).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, kind, token):
    """The preview of a kept file (GET), or its import (POST action=import) or cancellation.

    The first look validates every row and keeps the result beside the file, so that paging
    through a long preview does not validate it again; an import always validates afresh.
    """
    importer = _importer(request, kind)
    entry, path = _kept(request, kind, token)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        _forget(request, token)
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect(LIST_URLS[kind])
    status = 200
    try:
        saved = None if request.method == "POST" else _saved_plan(importer, token, entry)
        if saved:
            plan, fingerprint = saved
        else:
            table = imports.read_table(path, entry["extension"])
            if request.method == "POST":
                try:
                    counts = importer.apply(table, request.user, expected=request.POST.get("plan", ""))
                except imports.Rejected as rejected:
                    plan, status = rejected.plan, 400
                    messages.error(request, _("Nothing was imported: some rows have errors."))
                except imports.StaleConfirmation:
                    plan, status = importer.plan(table, request.user), 409
                    messages.warning(
                        request,
                        _(
                            "The records changed since you looked at the preview. "
                            "Nothing was imported; check the new preview."
                        ),
                    )
                else:
                    _forget(request, token)
                    messages.success(
                        request,
                        _("Imported %(file)s: %(new)d created, %(update)d updated, %(unchanged)d unchanged.")
                        % {"file": entry["name"], **counts},
                    )
                    return redirect(LIST_URLS[kind])
            else:
                plan = importer.plan(table, request.user)
            fingerprint = plan.fingerprint
            _save_plan(token, entry, plan)
    except imports.FileRefused as refused:
        _forget(request, token)
        return render(
            request,
            "mines/import_upload.html",
            _upload_context(importer, kind, UploadForm(), refused=refused.message, file_name=entry["name"]),
            status=400,
        )
    only_errors = request.GET.get("show") == "errors"
    rows = [row for row in plan.rows if row.status == imports.ERROR] if only_errors else plan.rows
    page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = plan.counts
    return render(
        request,
        "mines/import_preview.html",
        {
            "importer": importer,
            "kind": kind,
            "token": token,
            "file_name": entry["name"],
            "plan": plan,
            "fingerprint": fingerprint,
            "counts": counts,
            "total": len(plan.rows),
            "rows": list(plan.cell_rows(page.object_list)),
            "page_obj": page,
            "paginator": page.paginator,
            "querystring": query.urlencode(),
            "only_errors": only_errors,
            "missing_required": [c for c in plan.missing if c.required],
            "list_url": reverse(LIST_URLS[kind]),
            "upload_url": reverse(LIST_URLS[kind].replace("-list", "-import")),
        },
        status=status,
    )


@login_required
def import_template(request, kind, fmt):
    importer = _importer(request, kind)
    stem = str(importer.model._meta.verbose_name_plural)
    if fmt == "xlsx":
        body, content_type = imports.template_xlsx(importer), XLSX_CONTENT_TYPE
    elif fmt == "csv":
        body, content_type = imports.template_csv(importer), "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    label = _("import template")
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-{label}.{fmt}")
    return response
