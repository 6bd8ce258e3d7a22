"""Case pages. Thin: parse the form, call one service, show the result or the reason it was refused."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from mines.models import HistoricalSite, Mine
from mines.viewmixins import FilteredListView, get_visible_or_404
from restoration import selectors
from restoration.choices import FINAL_STATES, Action, CaseKind
from restoration.errors import CaseError, Invalid
from restoration.evidence_files import ALLOWED_TYPES, safe_download_name
from restoration.exports import CASE_COLUMNS
from restoration.filters import CaseFilter
from restoration.forms import (
    AssignForm,
    CaseOpenForm,
    CommentForm,
    CostForm,
    DelegationForm,
    InspectionForm,
    NoteForm,
    ReasonForm,
    ReviewForm,
    UploadForm,
)
from restoration.fund_forms import LodgeReportForm
from restoration.models import DisturbanceCategory, Evidence
from restoration.permissions import may_review_evidence, may_upload_evidence
from restoration.services import evidence as evidence_services
from restoration.services import workflow

# action → (form class, service, how the form's cleaned data maps to the service's arguments)
ACTIONS = {
    Action.SUBMIT: (None, workflow.case_submit, lambda d: {}),
    Action.WITHDRAW: (ReasonForm, workflow.case_withdraw, lambda d: {"reason": d["reason"]}),
    Action.ACCEPT_FOR_REVIEW: (None, workflow.case_accept_for_review, lambda d: {}),
    Action.START_INSPECTION: (None, workflow.case_start_inspection, lambda d: {}),
    Action.RECORD_INSPECTION: (InspectionForm, workflow.case_record_inspection, dict),
    Action.SUBMIT_RECTIFICATION: (NoteForm, workflow.case_submit_rectification, lambda d: {"note": d["note"]}),
    Action.PROPOSE_DELEGATION: (DelegationForm, workflow.case_propose_delegation, dict),
    Action.RECORD_TREATMENT_COST: (CostForm, workflow.case_record_treatment_cost, dict),
    Action.REPORT_TREATMENT_DONE: (NoteForm, workflow.case_report_treatment_done, lambda d: {"note": d["note"]}),
    Action.PROPOSE_REMOVAL: (ReasonForm, workflow.case_propose_removal, lambda d: {"reason": d["reason"]}),
    Action.ADVANCE_SITE: (NoteForm, workflow.case_advance_site, lambda d: {"note": d["note"]}),
    Action.REQUEST_ACCEPTANCE: (NoteForm, workflow.case_request_acceptance, lambda d: {"note": d["note"]}),
    Action.LODGE_REPORT: (LodgeReportForm, workflow.case_lodge_report, lambda d: _lodge_kwargs(d)),
    Action.ACCEPT_REPORT: (ReasonForm, workflow.case_accept_report, lambda d: {"reason": d["reason"]}),
    Action.RETURN_REPORT: (ReasonForm, workflow.case_return_report, lambda d: {"reason": d["reason"]}),
    Action.APPROVE: (ReasonForm, workflow.case_approve, lambda d: {"reason": d["reason"]}),
    Action.REJECT: (ReasonForm, workflow.case_reject, lambda d: {"reason": d["reason"]}),
}

# Which actions are drawn as "danger" buttons.
DANGER = {Action.WITHDRAW, Action.REJECT, Action.PROPOSE_REMOVAL, Action.RETURN_REPORT}


def _lodge_kwargs(data):
    lines = {c: (data.get(f"{c}_disturbed") or 0, data.get(f"{c}_restored") or 0) for c in DisturbanceCategory.values}
    return {"lines": lines, "notes": data.get("notes", "")}


def _form_for(action, user, data=None):
    form_class = ACTIONS[action][0]
    if form_class is None:
        return None
    kwargs = {"user": user} if form_class is DelegationForm else {}
    return form_class(data, prefix=action, **kwargs)


def _detail_context(request, case, *, bound=None):
    user = request.user
    actions = []
    for action in workflow.available_actions(case, user):
        form = bound[1] if bound and bound[0] == action else _form_for(action, user)
        actions.append({"code": action, "label": Action(action).label, "form": form, "danger": action in DANGER})
    evidence = list(selectors.case_evidence(case=case))
    by_id = {e.pk: e for e in evidence}
    replaced = {e.previous_id for e in evidence if e.previous_id}
    current = []
    for item in evidence:
        if item.pk in replaced:
            continue
        item.older_versions = []
        older = by_id.get(item.previous_id)
        while older is not None:
            item.older_versions.append(older)
            older = by_id.get(older.previous_id)
        current.append(item)
    return {
        "case": case,
        "actions": actions,
        "timeline": selectors.case_timeline(case=case),
        "evidence": current,
        "inspections": case.inspections.select_related("recorded_by"),
        "orders": case.orders.select_related("drafted_by", "decided_by"),
        "delegations": case.delegations.select_related("contractor", "drafted_by", "decided_by"),
        "can_upload": may_upload_evidence(user, case),
        "can_review": may_review_evidence(user),
        "upload_form": UploadForm(),
        "comment_form": CommentForm(),
        "review_form": ReviewForm(),
        "assign_form": AssignForm(case=case, initial={"officer": case.assigned_officer_id}) if user.is_bureau else None,
        "receivables": case.receivables.all(),
        "annual_reports": case.annual_reports.prefetch_related("lines").select_related("lodged_by")
        if case.kind == CaseKind.ANNUAL_REPORT
        else [],
        "fund_entries": case.fund_entries.all(),
    }


@login_required
@require_GET
def case_detail(request, pk):
    case = selectors.case_detail(user=request.user, pk=pk)
    if case is None:
        raise Http404
    return render(request, "restoration/case_detail.html", _detail_context(request, case))


@login_required
@require_POST
def case_act(request, pk, action):
    case = selectors.case_detail(user=request.user, pk=pk)
    if case is None or action not in ACTIONS:
        raise Http404
    form_class, service, to_kwargs = ACTIONS[action]
    try:
        workflow.require_role(request.user, action)  # before reading the form: a wrong role gets 403
    except CaseError as error:
        raise PermissionDenied(str(error.message)) from None
    form = _form_for(action, request.user, request.POST)
    kwargs = {}
    if form is not None:
        if not form.is_valid():
            context = _detail_context(request, case, bound=(action, form))
            context["open_action"] = action
            return render(request, "restoration/case_detail.html", context, status=400)
        kwargs = to_kwargs(form.cleaned_data)
    try:
        service(case_id=case.pk, user=request.user, **kwargs)
    except CaseError as error:
        if error.status == 404:
            raise Http404 from None
        if form is not None:
            for field, errors in error.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        context = _detail_context(request, case, bound=(action, form))
        context["open_action"] = action
        context["error"] = error.message
        return render(request, "restoration/case_detail.html", context, status=error.status)
    messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
    return redirect(case)


@login_required
@require_POST
def case_comment(request, pk):
    case = selectors.case_detail(user=request.user, pk=pk)
    if case is None:
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        workflow.case_comment(case_id=case.pk, user=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("The comment is empty."))
    return redirect(case)


@login_required
@require_POST
def case_assign(request, pk):
    case = selectors.case_detail(user=request.user, pk=pk)
    if case is None:
        raise Http404
    if not request.user.is_bureau:
        return HttpResponse(_("Only bureau staff may assign cases."), status=403)
    form = AssignForm(request.POST, case=case)
    if form.is_valid():
        try:
            workflow.case_assign(case_id=case.pk, user=request.user, officer=form.cleaned_data["officer"])
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Officer in charge: %(name)s.") % {"name": form.cleaned_data["officer"]})
    else:
        messages.error(request, _("Choose an officer who can see this county."))
    return redirect(case)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def evidence_upload(request, pk):
    case = selectors.case_detail(user=request.user, pk=pk)
    if case is None:
        raise Http404
    form = UploadForm(request.POST)
    kind = form.data.get("kind", "")
    try:
        if request.unsafe_upload_names:
            raise Invalid(
                _("A file name may not contain a folder path or control characters: %(names)s. Nothing was stored.")
                % {"names": "、".join(repr(n) for n in request.unsafe_upload_names)},
                code="bad_name",
            )
        stored = evidence_services.evidence_upload(
            case_id=case.pk,
            user=request.user,
            files=request.FILES.getlist("files"),
            kind=kind,
            description=form.data.get("description", ""),
            previous_id=request.POST.get("previous") or None,
        )
    except CaseError as error:
        if error.status == 404:
            raise Http404 from None
        if _wants_json(request):
            return JsonResponse({"code": error.code, "message": str(error.message)}, status=error.status)
        context = _detail_context(request, case)
        context["upload_error"] = error.message
        return render(request, "restoration/case_detail.html", context, status=error.status)
    duplicates = [e.original_name for e in stored if e.duplicate_of_id]
    if _wants_json(request):
        return JsonResponse(
            {"stored": [{"id": e.pk, "name": e.original_name, "duplicate": bool(e.duplicate_of_id)} for e in stored]},
            status=201,
        )
    messages.success(request, _("%(count)d file(s) uploaded.") % {"count": len(stored)})
    if duplicates:
        messages.warning(
            request, _("Already uploaded to this case before: %(names)s.") % {"names": "、".join(duplicates)}
        )
    return redirect(case)


@login_required
@require_POST
def evidence_review(request, pk):
    evidence = Evidence.objects.visible_to(request.user).filter(pk=pk).select_related("case").first()
    if evidence is None:
        raise Http404
    if not may_review_evidence(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or reject."))
        return redirect(evidence.case)
    try:
        evidence_services.evidence_review(
            evidence_id=evidence.pk,
            user=request.user,
            accept=form.cleaned_data["accept"],
            reason=form.cleaned_data["reason"],
        )
    except CaseError as error:
        if error.status == 404:
            raise Http404 from None
        if error.status == 403:
            return HttpResponse(str(error.message), status=403)
        messages.error(request, error.message)
        return redirect(evidence.case)
    messages.success(request, _("Review recorded for %(name)s.") % {"name": evidence.original_name})
    return redirect(evidence.case)


@login_required
@require_GET
def evidence_download(request, pk):
    """The file as an attachment, with an allow-listed type, only for users who may see its case."""
    evidence = get_visible_or_404(Evidence, request.user, pk=pk)
    content_type = evidence.content_type if evidence.content_type in ALLOWED_TYPES else "application/octet-stream"
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=safe_download_name(evidence.original_name, evidence.content_type),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


PREVIEW_SIZE = (960, 960)


@login_required
@require_GET
def evidence_preview(request, pk):
    """A photo re-encoded as a fresh JPEG (never the uploaded bytes), for showing inline."""
    from PIL import Image, ImageOps

    evidence = get_visible_or_404(Evidence, request.user, pk=pk)
    if not evidence.is_image:
        raise Http404
    with evidence.file.open("rb") as handle, Image.open(handle) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(PREVIEW_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82)
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


KINDS_BY_ROLE = {
    Role.COMPANY: [CaseKind.CLOSURE],
}
MINE_KINDS_FOR_STAFF = [
    CaseKind.CLOSURE,
    CaseKind.ANNUAL_INSPECTION,
    CaseKind.RECTIFICATION,
    CaseKind.GREEN_VERIFICATION,
]


@login_required
def case_open(request):
    """Open a case about a mine (?mine=) or a historical site (?site=)."""
    mine = site = None
    if request.GET.get("site") or request.POST.get("site"):
        site = get_visible_or_404(HistoricalSite, request.user, pk=request.GET.get("site") or request.POST.get("site"))
        kinds = [CaseKind.HISTORICAL_SITE] if request.user.is_bureau else []
    else:
        mine = get_visible_or_404(Mine, request.user, pk=request.GET.get("mine") or request.POST.get("mine"))
        kinds = MINE_KINDS_FOR_STAFF if request.user.is_bureau else KINDS_BY_ROLE.get(request.user.role, [])
    if not kinds:
        return HttpResponse(_("You may not open cases."), status=403)
    initial_kind = request.GET.get("kind")
    form = CaseOpenForm(request.POST or None, kinds=kinds, initial={"kind": initial_kind})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            case = workflow.case_open(user=request.user, mine=mine, site=site, **form.cleaned_data)
        except CaseError as exc:
            if exc.status == 404:
                raise Http404 from None
            error = exc.message
            for field, errors in exc.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            status = exc.status
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect(case)
    else:
        status = 400 if request.method == "POST" else 200
    return render(
        request,
        "restoration/case_open.html",
        {"form": form, "mine": mine, "site": site, "error": error},
        status=status,
    )


class CaseListView(FilteredListView):
    template_name = "restoration/case_list.html"
    filterset_class = CaseFilter
    ordering_fields = {"number": "number", "deadline": "deadline", "state": "state", "updated": "updated_at"}
    default_ordering = "-updated_at"
    export_name = gettext_lazy("Cases")
    export_columns = CASE_COLUMNS

    def base_queryset(self):
        return selectors.case_list(user=self.request.user)


@login_required
def desk(request):
    """Each role's starting point: the officer's workbench, the supervisor's queue, the company's deadlines."""
    user = request.user
    if user.is_bureau:
        return render(request, "restoration/workbench.html", selectors.workbench(user=user))
    cases = selectors.case_list(user=user).order_by("deadline", "-updated_at")
    return render(
        request,
        "restoration/my_cases.html",
        {
            "open_cases": cases.open(),
            "closed_cases": cases.filter(state__in=list(FINAL_STATES)),
            "today": timezone.localdate(),
        },
    )
