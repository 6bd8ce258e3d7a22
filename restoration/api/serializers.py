"""API representations of cases, their history, evidence and inspections, and the restoration funds.

Reads are light row serializers over `.values()` (api.rows). Inputs are plain serializers that only
parse: the workflow services decide, with the same checks and messages as the pages.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.filters import MAX_ID
from api.rows import CaseRef, Computed, Display, PersonRef, Ref, RowSerializer
from restoration.choices import (
    DEADLINE_STATES,
    Action,
    CaseKind,
    CaseState,
    EventKind,
    EvidenceKind,
    FundEntryKind,
    ProposalStatus,
    ReviewStatus,
)
from restoration.models import DisturbanceCategory

# ---------------------------------------------------------------- cases


class CaseSerializer(RowSerializer):
    """A case (案件): one restoration matter about a mine or a historical site."""

    id = serializers.IntegerField(help_text="The case's id.")
    number = serializers.CharField(help_text="The case number: BK closure, ZG rectification, LS historical site, …")
    kind = serializers.ChoiceField(choices=CaseKind.choices, help_text="The kind of case.")
    kind_display = Display(CaseKind, "kind")
    state = serializers.ChoiceField(choices=CaseState.choices, help_text="Where the case stands.")
    state_display = Display(CaseState, "state")
    title = serializers.CharField(help_text="The case's title.")
    county = Ref(help_text="The county of its subject.")
    mine = Ref(allow_null=True, help_text="The mine it is about (null for a historical-site case).")
    site = Ref(allow_null=True, help_text="The historical site it is about (null for a mine case).")
    company = Ref(allow_null=True, help_text="The mining-rights holder (null for a historical site).")
    contractor = Ref(allow_null=True, help_text="The contractor entrusted with the works, if any.")
    assigned_officer = PersonRef(allow_null=True, help_text="The officer in charge, if assigned.")
    deadline = serializers.DateField(allow_null=True, help_text="The running deadline, if the state has one.")
    deadline_version = serializers.IntegerField(help_text="How many deadlines the case has had.")
    overdue = Computed(
        serializers.BooleanField(help_text="Overdue now: in the overdue state, or past a running deadline."),
        "state",
        "deadline",
    )
    created_at = serializers.DateTimeField(help_text="Opened at.")
    updated_at = serializers.DateTimeField(help_text="Last changed at.")
    closed_at = serializers.DateTimeField(allow_null=True, help_text="Finished at, if finished.")

    def compute_overdue(self, row):
        state, deadline = row["state"], row["deadline"]
        if state == CaseState.OVERDUE:
            return True
        if state in DEADLINE_STATES and deadline is not None:
            return deadline < self._today
        return False

    @property
    def _today(self):
        today = self.__dict__.get("_today_value")
        if today is None:
            today = self.__dict__["_today_value"] = timezone.localdate()
        return today


class OrderSerializer(RowSerializer):
    """A rectification order (责令限期治理): in force once a supervisor approves it."""

    id = serializers.IntegerField(help_text="The order's id.")
    requirements = serializers.CharField(help_text="What must be done.")
    deadline = serializers.DateField(help_text="By when.")
    status = serializers.ChoiceField(choices=ProposalStatus.choices, help_text="Awaiting approval, approved, rejected.")
    status_display = Display(ProposalStatus, "status")
    inspection = serializers.IntegerField(allow_null=True, help_text="Id of the inspection that led to it.")
    drafted_by = PersonRef(help_text="Who drafted it.")
    drafted_at = serializers.DateTimeField(help_text="Drafted at.")
    decided_by = PersonRef(allow_null=True, help_text="The supervisor who decided.")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="Decided at.")
    decision_reason = serializers.CharField(allow_blank=True, help_text="The supervisor's reason.")


class DelegationSerializer(RowSerializer):
    """Delegated treatment (委托治理) by a qualified contractor, at the holder's cost."""

    id = serializers.IntegerField(help_text="The delegation's id.")
    contractor = Ref(help_text="The qualified contractor.")
    cost_estimate = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Estimated cost (yuan).")
    actual_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Actual cost (yuan), once recorded."
    )
    scope = serializers.CharField(allow_blank=True, help_text="Scope of works.")
    status = serializers.ChoiceField(choices=ProposalStatus.choices, help_text="Awaiting approval, approved, rejected.")
    status_display = Display(ProposalStatus, "status")
    drafted_by = PersonRef(help_text="Who proposed it.")
    drafted_at = serializers.DateTimeField(help_text="Proposed at.")
    decided_by = PersonRef(allow_null=True, help_text="The supervisor who decided.")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="Decided at.")
    decision_reason = serializers.CharField(allow_blank=True, help_text="The supervisor's reason.")
    cost_recorded_at = serializers.DateTimeField(allow_null=True, help_text="When the actual cost was recorded.")
    reported_done_at = serializers.DateTimeField(allow_null=True, help_text="When the contractor reported it done.")


class CaseDetailSerializer(CaseSerializer):
    """A case with its orders, delegations and the actions you may take now."""

    description = serializers.CharField(allow_blank=True, help_text="The case's description.")
    created_by = PersonRef(help_text="Who opened it.")
    proposed_by = PersonRef(
        allow_null=True, help_text="Who proposed what awaits a decision (that person may not decide it)."
    )
    return_state = serializers.ChoiceField(
        choices=CaseState.choices, allow_blank=True, help_text="Where a rejection sends the case back to."
    )
    actions = Computed(
        serializers.ListField(
            child=serializers.ChoiceField(choices=Action.choices),
            help_text="The workflow actions you may take now: `POST /api/v1/cases/{id}/<action>/`.",
        ),
        "kind",
        "state",
        "proposed_by",
        "mine",
        "site",
        "company",
        "contractor",
        "county",
        "assigned_officer",
        "deadline",
    )
    orders = OrderSerializer(many=True, help_text="Rectification orders, newest first.")
    delegations = DelegationSerializer(many=True, help_text="Delegated treatments, newest first.")

    def compute_actions(self, row):
        from restoration.models import Case
        from restoration.services.workflow import available_actions

        case = Case(
            id=row["id"],
            kind=row["kind"],
            state=row["state"],
            proposed_by_id=row["proposed_by"],
            mine_id=row["mine"],
            site_id=row["site"],
            company_id=row["company"],
            contractor_id=row["contractor"],
            county_id=row["county"],
            assigned_officer_id=row["assigned_officer"],
            deadline=row["deadline"],
        )
        return [str(action) for action in available_actions(case, self.context["request"].user)]


class EventSerializer(RowSerializer):
    """One line of a case's timeline: who did what, when, from what to what, and why."""

    id = serializers.IntegerField(help_text="The event's id.")
    kind = serializers.ChoiceField(choices=EventKind.choices, help_text="What happened.")
    kind_display = Display(EventKind, "kind")
    action = serializers.CharField(allow_blank=True, help_text="The workflow action, if the event is one.")
    actor = PersonRef(allow_null=True, help_text="Who did it (null: the system, e.g. the overdue sweep).")
    from_state = serializers.ChoiceField(choices=CaseState.choices, allow_blank=True, help_text="State before.")
    to_state = serializers.ChoiceField(choices=CaseState.choices, allow_blank=True, help_text="State after.")
    reason = serializers.CharField(allow_blank=True, help_text="Why: a reason, a note, a comment, the findings.")
    data = serializers.JSONField(help_text="Details of the event (ids, amounts, dates), as recorded.")
    created_at = serializers.DateTimeField(help_text="When.")


class InspectionSerializer(RowSerializer):
    """An inspection (检查/验收) of a case's subject."""

    id = serializers.IntegerField(help_text="The inspection's id.")
    inspected_on = serializers.DateField(help_text="Inspection date.")
    inspectors = serializers.CharField(help_text="Inspectors.")
    departments = serializers.CharField(allow_blank=True, help_text="Departments consulted.")
    findings = serializers.CharField(help_text="Findings.")
    area_restored_ha = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="Area found restored (ha).")
    passed = serializers.BooleanField(help_text="Pass or fail.")
    recorded_by = PersonRef(help_text="Who recorded it.")
    recorded_at = serializers.DateTimeField(help_text="Recorded at.")


class EvidenceSerializer(RowSerializer):
    """One version of one evidence file (佐证材料), with its review."""

    id = serializers.IntegerField(help_text="The file's id.")
    case = serializers.IntegerField(help_text="Id of its case.")
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, help_text="What kind of evidence.")
    kind_display = Display(EvidenceKind, "kind")
    description = serializers.CharField(allow_blank=True, help_text="Description.")
    original_name = serializers.CharField(help_text="The name it was uploaded with.")
    size = serializers.IntegerField(help_text="Size in bytes.")
    sha256 = serializers.CharField(help_text="SHA-256 of the content, hex.")
    content_type = serializers.CharField(help_text="Content type detected from the content.")
    width = serializers.IntegerField(allow_null=True, help_text="Image width (px).")
    height = serializers.IntegerField(allow_null=True, help_text="Image height (px).")
    captured_at = serializers.DateTimeField(allow_null=True, help_text="EXIF capture time of a photo.")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, help_text="GPS latitude of a photo."
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, help_text="GPS longitude of a photo."
    )
    distance_km = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, help_text="Distance of the photo from its mine or site."
    )
    far_from_site = Computed(
        serializers.BooleanField(help_text="Taken farther from the site than allowed: the reviewer should check."),
        "distance_km",
    )
    inspection = serializers.IntegerField(allow_null=True, help_text="Id of the inspection it documents.")
    version = serializers.IntegerField(help_text="Version number of the document.")
    previous = serializers.IntegerField(allow_null=True, help_text="Id of the version it replaces.")
    current = Computed(
        serializers.BooleanField(help_text="The latest version (not replaced by a newer one)."), "superseded_by"
    )
    duplicate_of = serializers.IntegerField(
        allow_null=True, help_text="Id of an earlier upload of the same file to this case."
    )
    uploaded_by = PersonRef(help_text="Who uploaded it.")
    uploaded_at = serializers.DateTimeField(help_text="Uploaded at.")
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices, help_text="Pending, accepted, rejected.")
    review_status_display = Display(ReviewStatus, "review_status")
    reviewed_by = PersonRef(allow_null=True, help_text="Who reviewed it.")
    reviewed_at = serializers.DateTimeField(allow_null=True, help_text="Reviewed at.")
    review_reason = serializers.CharField(allow_blank=True, help_text="Why it was rejected.")
    download_url = Computed(
        serializers.CharField(help_text="Where to download the file (same permission check)."), "case"
    )

    def compute_far_from_site(self, row):
        from django.conf import settings

        distance = row["distance_km"]
        return distance is not None and distance > settings.EVIDENCE_MAX_DISTANCE_KM

    def compute_current(self, row):
        return row["superseded_by"] is None

    def compute_download_url(self, row):
        return f"/api/v1/cases/{row['case']}/evidence/{row['id']}/download/"


# ---------------------------------------------------------------- funds


class FundSerializer(RowSerializer):
    """A mine's restoration fund (矿山地质环境治理恢复基金)."""

    id = serializers.IntegerField(help_text="The fund's id.")
    mine = Ref(help_text="The mine the fund belongs to.")
    county = Ref(source="mine__county", help_text="The mine's county.")
    company = Ref(source="mine__company", help_text="The mine's holder.")
    balance = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The balance (yuan): the sum of the ledger."
    )
    opened_at = serializers.DateTimeField(help_text="Opened at.")
    updated_at = serializers.DateTimeField(help_text="Last changed at.")


class FundEntrySerializer(RowSerializer):
    """A line of a fund's append-only ledger."""

    id = serializers.IntegerField(help_text="The entry's id.")
    kind = serializers.ChoiceField(choices=FundEntryKind.choices, help_text="What kind of movement.")
    kind_display = Display(FundEntryKind, "kind")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Yuan; positive adds to the fund, negative takes from it."
    )
    balance_after = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="The balance after this entry (yuan)."
    )
    memo = serializers.CharField(allow_blank=True, help_text="Memo.")
    case = CaseRef(allow_null=True, help_text="The case it was charged for, if any.")
    reverses = serializers.IntegerField(allow_null=True, help_text="Id of the entry this one reverses.")
    created_by = PersonRef(allow_null=True, help_text="Who recorded it (null: the system).")
    created_at = serializers.DateTimeField(help_text="Recorded at.")


# ---------------------------------------------------------------- inputs


class CaseOpenInput(serializers.Serializer):
    """What a new case is about."""

    OPENABLE = [
        CaseKind.CLOSURE,
        CaseKind.RECTIFICATION,
        CaseKind.ANNUAL_INSPECTION,
        CaseKind.GREEN_VERIFICATION,
        CaseKind.HISTORICAL_SITE,
    ]

    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in OPENABLE],
        help_text="A company opens closure applications; bureau staff open any kind.",
    )
    mine = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of the mine (every kind but historical_site).",
    )
    site = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of the historical site (historical_site).",
    )
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Defaults to the subject's name and the kind."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000, help_text="Description.")
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Due date, for an annual inspection or a green-mine verification.",
    )


class ReasonInput(serializers.Serializer):
    """An optional reason."""

    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="The reason, recorded on the timeline."
    )


class RequiredReasonInput(serializers.Serializer):
    """A reason, required."""

    reason = serializers.CharField(
        allow_blank=True, max_length=4000, help_text="The reason (required), recorded on the timeline."
    )


class NoteInput(serializers.Serializer):
    """An optional note."""

    note = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="A note, recorded on the timeline."
    )


class InspectionInput(serializers.Serializer):
    """An inspection's record; a failure under review also drafts the rectification order."""

    inspected_on = serializers.DateField(help_text="Inspection date (today or earlier).")
    inspectors = serializers.CharField(allow_blank=True, max_length=255, help_text="Who inspected.")
    departments = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Departments consulted."
    )
    findings = serializers.CharField(allow_blank=True, max_length=10000, help_text="What was found.")
    area_restored_ha = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, help_text="Area found restored (ha); default 0."
    )
    passed = serializers.BooleanField(help_text="Pass or fail.")
    order_requirements = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, help_text="If it fails under review: what must be done."
    )
    order_deadline = serializers.DateField(
        required=False, allow_null=True, help_text="If it fails under review: by when (after today)."
    )
    photos = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text="Ids of this case's evidence files that document the inspection.",
    )


class DelegationInput(serializers.Serializer):
    """A proposed delegated treatment."""

    contractor = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of a qualified contractor.")
    cost_estimate = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Estimated cost (yuan).")
    scope = serializers.CharField(required=False, allow_blank=True, max_length=10000, help_text="Scope of works.")


class ReportLineInput(serializers.Serializer):
    """Land disturbed and restored this year in one category."""

    category = serializers.ChoiceField(choices=DisturbanceCategory.choices, help_text="The disturbance category.")
    disturbed_ha = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, help_text="Land disturbed this year (ha)."
    )
    restored_ha = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, help_text="Land restored this year (ha)."
    )


class LodgeReportInput(serializers.Serializer):
    """A mine's annual restoration report (边开采、边治理、边恢复)."""

    lines = ReportLineInput(many=True, help_text="One line per category (each category at most once).")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000, help_text="Notes.")

    def validate_lines(self, lines):
        categories = [line["category"] for line in lines]
        if len(categories) != len(set(categories)):
            raise serializers.ValidationError(_("Give each category once."))
        return lines


class CostInput(serializers.Serializer):
    """The actual cost of delegated treatment."""

    actual_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Actual cost (yuan): charged to the fund, the rest a receivable."
    )


class CommentInput(serializers.Serializer):
    """A comment for the timeline."""

    text = serializers.CharField(allow_blank=True, max_length=4000, help_text="The comment.")


class AssignInput(serializers.Serializer):
    """The officer to put in charge."""

    officer = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of an officer or supervisor who can see the case's county."
    )


class EvidenceUploadFields(serializers.Serializer):
    """The upload form's fields besides the files."""

    kind = serializers.ChoiceField(choices=EvidenceKind.choices, help_text="What kind of evidence.")
    description = serializers.CharField(required=False, allow_blank=True, max_length=255, help_text="Description.")
    previous = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of the current file this one replaces.",
    )


class EvidenceUploadInput(EvidenceUploadFields):
    """The upload form (multipart/form-data); the files themselves are checked by the service."""

    files = serializers.ListField(
        child=serializers.FileField(use_url=False),
        help_text="One or more files (JPEG, PNG, TIFF, WebP, PDF, Word, Excel, PowerPoint, OFD), "
        "at most EVIDENCE_MAX_FILES_PER_REQUEST. If any is refused, none is stored.",
    )


class EvidenceReviewInput(serializers.Serializer):
    """A reviewer's decision on a file."""

    accept = serializers.BooleanField(help_text="Accept (true) or reject (false).")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why it is rejected (required to reject)."
    )


class UploadedSerializer(serializers.Serializer):
    """The files an upload stored."""

    stored = EvidenceSerializer(many=True, help_text="The stored files.")
