"""Case, history, evidence, inspection and fund endpoints.

Thin: parse the input, call the one service function the pages call, answer the case as it is
after the transition. Every case, file, inspection, event and fund is reached through
`visible_to(request.user)`; outside it the answer is 404, for reads and actions alike.
"""

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.models import Role, User
from api.pagination import KeysetPagination
from api.viewsets import OUT_OF_SCOPE, RowReadMixin, ScopedViewSet
from mines.models import Contractor, HistoricalSite, Mine
from restoration.api import filters
from restoration.api import serializers as s
from restoration.choices import Action, CaseKind
from restoration.errors import Forbidden, Invalid, NotFound
from restoration.evidence_files import ALLOWED_TYPES, safe_download_name
from restoration.models import Case, CaseEvent, Delegation, Evidence, FundAccount, FundEntry, Inspection
from restoration.models import RectificationOrder as Order
from restoration.permissions import may_review_evidence
from restoration.services import evidence as evidence_services
from restoration.services import workflow

# ---------------------------------------------------------------- cases


def _inspection_kwargs(data, request, case_id):
    photos = data.pop("photos", None) or []
    if photos:
        found = list(Evidence.objects.visible_to(request.user).filter(case_id=case_id, pk__in=set(photos)))
        if len(found) != len(set(photos)):
            message = _("Only files of this case can document its inspection.")
            raise Invalid(message, fields={"photos": [message]})
        data["photos"] = found
    return data


def _delegation_kwargs(data, request, case_id):
    data["contractor"] = Contractor.objects.visible_to(request.user).filter(pk=data["contractor"]).first()
    return data


def _assign_kwargs(data, request, case_id):
    return {"officer": User.objects.filter(pk=data["officer"], is_active=True).first()}


def _same(data, request, case_id):
    return data


def _lodge_kwargs(data, request, case_id):
    lines = {line["category"]: (line.get("disturbed_ha") or 0, line.get("restored_ha") or 0) for line in data["lines"]}
    return {"lines": lines, "notes": data.get("notes") or ""}


# action → (input serializer or None, service, input → service keyword arguments, what it does)
TRANSITIONS = {
    Action.SUBMIT: (None, workflow.case_submit, _same, "The company submits its closure application."),
    Action.WITHDRAW: (s.ReasonInput, workflow.case_withdraw, _same, "The company withdraws its application."),
    Action.ACCEPT_FOR_REVIEW: (None, workflow.case_accept_for_review, _same, "An officer accepts it for review."),
    Action.START_INSPECTION: (
        None,
        workflow.case_start_inspection,
        _same,
        "A scheduled annual inspection or green-mine verification begins.",
    ),
    Action.RECORD_INSPECTION: (
        s.InspectionInput,
        workflow.case_record_inspection,
        _inspection_kwargs,
        "An officer records an inspection; a failure under review drafts a rectification order.",
    ),
    Action.SUBMIT_RECTIFICATION: (
        s.NoteInput,
        workflow.case_submit_rectification,
        _same,
        "The company reports the ordered works done (upload their evidence first).",
    ),
    Action.PROPOSE_DELEGATION: (
        s.DelegationInput,
        workflow.case_propose_delegation,
        _delegation_kwargs,
        "An officer proposes delegated treatment by a contractor, with an estimate.",
    ),
    Action.RECORD_TREATMENT_COST: (
        s.CostInput,
        workflow.case_record_treatment_cost,
        _same,
        "An officer records the actual cost: charged to the fund, any shortfall a receivable.",
    ),
    Action.REPORT_TREATMENT_DONE: (
        s.NoteInput,
        workflow.case_report_treatment_done,
        _same,
        "The contractor reports the delegated works done.",
    ),
    Action.PROPOSE_REMOVAL: (
        s.RequiredReasonInput,
        workflow.case_propose_removal,
        _same,
        "An officer proposes removing the mine from the green-mine list.",
    ),
    Action.ADVANCE_SITE: (
        s.NoteInput,
        workflow.case_advance_site,
        _same,
        "Historical-site treatment: identified → surveyed → designed → under treatment.",
    ),
    Action.REQUEST_ACCEPTANCE: (
        s.NoteInput,
        workflow.case_request_acceptance,
        _same,
        "The contractor or an officer asks for the acceptance inspection of a site.",
    ),
    Action.LODGE_REPORT: (
        s.LodgeReportInput,
        workflow.case_lodge_report,
        _lodge_kwargs,
        "The company lodges its annual restoration report (late after the due date).",
    ),
    Action.ACCEPT_REPORT: (
        s.ReasonInput,
        workflow.case_accept_report,
        _same,
        "Bureau staff accept a lodged annual report.",
    ),
    Action.RETURN_REPORT: (
        s.RequiredReasonInput,
        workflow.case_return_report,
        _same,
        "Bureau staff return a lodged annual report for correction, saying what to correct.",
    ),
    Action.APPROVE: (
        s.ReasonInput,
        workflow.case_approve,
        _same,
        "A supervisor approves what the case awaits; never the person who proposed it.",
    ),
    Action.REJECT: (
        s.RequiredReasonInput,
        workflow.case_reject,
        _same,
        "A supervisor rejects it with a reason; never the person who proposed it.",
    ),
}
OTHER_STEPS = {
    "comment": (
        s.CommentInput,
        workflow.case_comment,
        _same,
        "Add a comment to the timeline (anyone who can see the case).",
    ),
    "assign": (
        s.AssignInput,
        workflow.case_assign,
        _assign_kwargs,
        "Put an officer in charge (bureau staff).",
    ),
}

TRANSITION_NOTE = (
    "Calls the same service as the case page and answers the case after the step. "
    "403 names who may take the step (or the four-eyes rule); 409 names the state; 404 if you cannot see the case."
)


def _step(name: str, input_class, service, to_kwargs, summary: str):
    def step(self, request, pk=None):
        return self.take_step(request, pk, input_class, service, to_kwargs, name)

    # DRF maps the route to the function's name when @action runs: name it first.
    step.__name__ = step.__qualname__ = name
    step = action(detail=True, methods=["post"], url_path=name, url_name=name)(step)
    return extend_schema(
        summary=summary,
        description=TRANSITION_NOTE,
        request=input_class,
        responses={200: s.CaseDetailSerializer},
        tags=["cases"],
    )(step)


@extend_schema_view(
    list=extend_schema(
        summary="List cases",
        description="The cases you may see: bureau staff their counties, a company its own, a contractor the "
        "cases entrusted to it. Cursor-paginated: follow `next`.",
    ),
    retrieve=extend_schema(
        summary="One case",
        description="With its rectification orders, delegations and the actions you may take now.",
    ),
    create=extend_schema(
        summary="Open a case",
        description="A company opens its closure application (a draft); bureau staff open the other kinds. "
        "Answers the new case.",
        request=s.CaseOpenInput,
        responses={201: s.CaseDetailSerializer},
    ),
)
class CaseViewSet(RowReadMixin, ScopedViewSet):
    model = Case
    row_serializer_class = s.CaseSerializer
    detail_serializer_class = s.CaseDetailSerializer
    filterset_class = filters.CaseFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",), "number": ("number",), "deadline": ("deadline?", "id")}
    keyset_default = "-id"

    def read_row(self, pk):
        row = self.scoped().filter(pk=pk).values(*s.CaseDetailSerializer.columns()).first()
        if row is None:
            return None
        row["orders"] = list(
            Order.objects.filter(case_id=pk).order_by("-drafted_at", "-id").values(*s.OrderSerializer.columns())
        )
        row["delegations"] = list(
            Delegation.objects.filter(case_id=pk)
            .order_by("-drafted_at", "-id")
            .values(*s.DelegationSerializer.columns())
        )
        return s.CaseDetailSerializer(row, context=self.get_serializer_context()).data

    def retrieve(self, request, pk=None):
        data = self.read_row(pk)
        if data is None:
            raise NotFound()
        return Response(data)

    def _parse(self, input_class, request):
        if input_class is None:
            return {}
        serializer = input_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, pk, status_code=200):
        data = self.read_row(pk)
        if data is None:
            raise Forbidden(OUT_OF_SCOPE, code="out_of_scope")  # inside the transaction: undone
        return Response(data, status=status_code)

    def take_step(self, request, pk, input_class, service, to_kwargs, name=""):
        if not self.scoped().filter(pk=pk).exists():
            raise NotFound()
        # The role is checked before the input is read: a wrong role gets 403, not a 400.
        if name in Action.values:
            workflow.require_role(request.user, name)
        elif name == "assign" and not request.user.is_bureau:
            raise Forbidden(_("Only bureau staff may assign cases."), code="role")
        kwargs = to_kwargs(self._parse(input_class, request), request, pk)
        with transaction.atomic():
            service(case_id=pk, user=request.user, **kwargs)
            return self._answer(pk)

    def create(self, request):
        if not (request.user.is_bureau or request.user.role == Role.COMPANY):
            raise Forbidden(_("Only bureau staff and mining companies open cases."), code="role")
        data = self._parse(s.CaseOpenInput, request)
        kind = data["kind"]
        subject, other = ("site", "mine") if kind == CaseKind.HISTORICAL_SITE else ("mine", "site")
        errors = {}
        if data.get(subject) is None:
            errors[subject] = [
                _("Give the historical site this case is about.")
                if subject == "site"
                else _("Give the mine this case is about.")
            ]
        if data.get(other) is not None:
            errors[other] = [
                _("A historical-site case is about a site, not a mine.")
                if other == "mine"
                else _("This kind of case is about a mine, not a historical site.")
            ]
        if errors:
            raise Invalid(_("The case could not be opened; see the marked fields."), fields=errors)
        model = HistoricalSite if subject == "site" else Mine
        target = model.objects.visible_to(request.user).filter(pk=data[subject]).first()
        with transaction.atomic():
            case = workflow.case_open(
                user=request.user,
                kind=kind,
                mine=target if subject == "mine" else None,
                site=target if subject == "site" else None,
                title=data.get("title") or "",
                description=data.get("description") or "",
                deadline=data.get("deadline"),
            )
            return self._answer(case.pk, 201)


for _name, (_input, _service, _kwargs, _summary) in {**TRANSITIONS, **OTHER_STEPS}.items():
    setattr(CaseViewSet, str(_name), _step(str(_name), _input, _service, _kwargs, _summary))


class CaseChildMixin:
    """Rows below a case: the case must be one the caller sees (else 404), and so must the rows."""

    def case_id(self):
        return self.kwargs["case_pk"]

    def check_case(self):
        if not Case.objects.visible_to(self.request.user).filter(pk=self.case_id()).exists():
            raise NotFound()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.check_case()

    def base_queryset(self):
        return self.scoped().filter(case_id=self.case_id())


@extend_schema_view(
    list=extend_schema(
        summary="A case's timeline", description="Every step, decision, upload and comment, oldest first; append-only."
    ),
    retrieve=extend_schema(summary="One timeline event"),
)
class EventViewSet(CaseChildMixin, RowReadMixin, ScopedViewSet):
    model = CaseEvent
    row_serializer_class = s.EventSerializer
    filterset_class = filters.EventFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",)}
    keyset_default = "id"


@extend_schema_view(
    list=extend_schema(summary="A case's inspections", description="Newest first."),
    retrieve=extend_schema(summary="One inspection"),
)
class InspectionViewSet(CaseChildMixin, RowReadMixin, ScopedViewSet):
    model = Inspection
    row_serializer_class = s.InspectionSerializer
    filterset_class = filters.InspectionFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",), "inspected_on": ("inspected_on", "id")}
    keyset_default = "-inspected_on"


class PassthroughRenderer(BaseRenderer):
    """For schema purposes: the download answers the file's own bytes and type."""

    media_type = "application/octet-stream"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class FirstRendererNegotiation(BaseContentNegotiation):
    """A download answers whatever the client accepts: the file, or a JSON error."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(
    list=extend_schema(
        summary="A case's evidence", description="Every version of every file, newest first, with its review."
    ),
    retrieve=extend_schema(summary="One evidence file's record"),
)
class EvidenceViewSet(CaseChildMixin, RowReadMixin, ScopedViewSet):
    model = Evidence
    row_serializer_class = s.EvidenceSerializer
    filterset_class = filters.EvidenceFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",)}
    keyset_default = "-id"

    def _rows(self, ids):
        rows = self.scoped().filter(pk__in=ids).order_by("pk").values(*s.EvidenceSerializer.columns())
        return s.EvidenceSerializer(rows, many=True, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Upload evidence",
        description="multipart/form-data with one or more `files`. Every file is checked before anything is "
        "stored (content type from the content, size, name, images decoded); if any is refused, none is stored. "
        "Companies and bureau staff upload to open cases, a contractor to the works entrusted to it.",
        request={"multipart/form-data": s.EvidenceUploadInput},
        responses={201: s.UploadedSerializer},
    )
    def create(self, request, case_pk=None):
        fields = s.EvidenceUploadFields(data=request.data)
        fields.is_valid(raise_exception=True)
        unsafe = getattr(request._request, "unsafe_upload_names", [])
        if unsafe:
            raise Invalid(
                _("A file name may not contain a folder path or control characters: %(names)s. Nothing was stored.")
                % {"names": "、".join(repr(n) for n in unsafe)},
                code="bad_name",
            )
        stored = []
        try:
            with transaction.atomic():
                stored = evidence_services.evidence_upload(
                    case_id=self.case_id(),
                    user=request.user,
                    files=request.FILES.getlist("files"),
                    kind=fields.validated_data["kind"],
                    description=fields.validated_data.get("description") or "",
                    previous_id=fields.validated_data.get("previous"),
                )
                rows = self._rows([e.pk for e in stored])
                if len(rows) != len(stored):
                    raise Forbidden(OUT_OF_SCOPE, code="out_of_scope")
        except BaseException:
            for evidence in stored:
                evidence.file.delete(save=False)
            raise
        return Response({"stored": rows}, status=201)

    @extend_schema(
        summary="Download an evidence file",
        description="The file as an attachment, with its detected (allow-listed) content type, `nosniff` and a "
        "sandboxing Content-Security-Policy; only for users who may see its case.",
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes, as detected.")
            for content_type in [*ALLOWED_TYPES, "application/octet-stream"]
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, PassthroughRenderer],
        content_negotiation_class=FirstRendererNegotiation,
        filter_backends=[],
        pagination_class=None,
    )
    def download(self, request, case_pk=None, pk=None):
        evidence = self.scoped().filter(case_id=self.case_id(), pk=pk).first()
        if evidence is None:
            raise NotFound(_("No such file."))
        content_type = evidence.content_type if evidence.content_type in ALLOWED_TYPES else "application/octet-stream"
        response = FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=safe_download_name(evidence.original_name, content_type)
            if content_type in ALLOWED_TYPES
            else "file.bin",
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Review an evidence file",
        description="Bureau staff accept a file, or reject it with a reason the company sees. Answers the file.",
        request=s.EvidenceReviewInput,
        responses={200: s.EvidenceSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def review(self, request, case_pk=None, pk=None):
        if not self.scoped().filter(case_id=self.case_id(), pk=pk).exists():
            raise NotFound(_("No such file."))
        if not may_review_evidence(request.user):
            raise Forbidden(_("Only bureau officers and supervisors review evidence."), code="role")
        data = s.EvidenceReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            evidence_services.evidence_review(
                evidence_id=pk,
                user=request.user,
                accept=data.validated_data["accept"],
                reason=data.validated_data.get("reason") or "",
            )
            rows = self._rows([pk])
            if not rows:
                raise Forbidden(OUT_OF_SCOPE, code="out_of_scope")
        return Response(rows[0])


# ---------------------------------------------------------------- funds


@extend_schema_view(
    list=extend_schema(
        summary="List restoration funds",
        description="One fund per mine, with its balance; bureau staff see their counties, a company its own mines.",
    ),
    retrieve=extend_schema(summary="One restoration fund"),
)
class FundViewSet(RowReadMixin, ScopedViewSet):
    model = FundAccount
    row_serializer_class = s.FundSerializer
    filterset_class = filters.FundFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",)}
    keyset_default = "id"


@extend_schema_view(
    list=extend_schema(
        summary="A fund's ledger",
        description="Append-only entries, oldest first; a mistake is corrected by a reversal, never an edit.",
    ),
    retrieve=extend_schema(summary="One ledger entry"),
)
class FundEntryViewSet(RowReadMixin, ScopedViewSet):
    model = FundEntry
    row_serializer_class = s.FundEntrySerializer
    filterset_class = filters.FundEntryFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",)}
    keyset_default = "id"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not FundAccount.objects.visible_to(request.user).filter(pk=self.kwargs["fund_pk"]).exists():
            raise NotFound(_("No such fund."))

    def base_queryset(self):
        return self.scoped().filter(account_id=self.kwargs["fund_pk"])
