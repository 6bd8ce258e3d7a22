"""Uploading and reviewing evidence. Files are checked before anything is stored."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from restoration.choices import EvidenceKind, ReviewStatus
from restoration.errors import Forbidden, Invalid, NotFound, WrongState
from restoration.evidence_files import distance_km, inspect_upload
from restoration.models import Case, Evidence
from restoration.permissions import may_review_evidence, may_upload_evidence
from restoration.services import events


def _visible_case(case_id, user) -> Case:
    try:
        return Case.objects.visible_to(user).select_related("mine", "site").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def evidence_upload(*, case_id, user, files, kind: str, description: str = "", previous_id=None) -> list[Evidence]:
    """Attach one or more files to a case. All are checked first; if any is refused, none is stored."""
    case = _visible_case(case_id, user)
    if not may_upload_evidence(user, case):
        if not case.is_open:
            raise WrongState(_("This case is finished; no more evidence can be added."), code="state")
        raise Forbidden(_("You may not add evidence to this case now."), code="role")
    if kind not in EvidenceKind.values:
        message = _("Choose what kind of evidence this is.")
        raise Invalid(message, fields={"kind": [message]})
    files = list(files)
    if not files:
        message = _("Choose at least one file.")
        raise Invalid(message, fields={"files": [message]})
    limit = settings.EVIDENCE_MAX_FILES_PER_REQUEST
    if len(files) > limit:
        message = _("At most %(limit)d files can be uploaded at once.") % {"limit": limit}
        raise Invalid(message, code="too_many_files", fields={"files": [message]})
    previous = None
    if previous_id:
        previous = Evidence.objects.filter(case=case, pk=previous_id).current().first()
        if previous is None:
            raise Invalid(_("The file to replace is not the current version on this case."), code="previous")
        if len(files) != 1:
            raise Invalid(_("A new version replaces one file: upload exactly one."), code="previous")

    facts, problems = [], []
    for uploaded in files:
        try:
            facts.append((uploaded, inspect_upload(uploaded, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES)))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise Invalid(" ".join(str(p) for p in problems), code="bad_file", fields={"files": problems})

    subject = case.subject
    stored = []
    try:
        with transaction.atomic():
            for uploaded, fact in facts:
                duplicate = Evidence.objects.filter(case=case, sha256=fact.sha256).order_by("pk").first()
                distance = None
                if fact.latitude is not None and fact.longitude is not None:
                    distance = Decimal(
                        str(round(distance_km(fact.latitude, fact.longitude, subject.latitude, subject.longitude), 2))
                    )
                evidence = Evidence(
                    case=case,
                    kind=kind,
                    description=(description or "")[:255],
                    original_name=fact.original_name,
                    size=fact.size,
                    sha256=fact.sha256,
                    content_type=fact.content_type,
                    width=fact.width,
                    height=fact.height,
                    captured_at=fact.captured_at,
                    latitude=fact.latitude,
                    longitude=fact.longitude,
                    distance_km=distance,
                    previous=previous,
                    version=previous.version + 1 if previous else 1,
                    duplicate_of=duplicate,
                    uploaded_by=user,
                )
                uploaded.seek(0)
                evidence.file.save("upload", uploaded, save=False)
                stored.append(evidence)
                evidence.save()
            events.event_evidence_uploaded(case, user, stored)
    except Exception:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def evidence_review(*, evidence_id, user, accept: bool, reason: str = "") -> Evidence:
    """An officer accepts a file, or rejects it with a reason the company will see."""
    evidence = (
        Evidence.objects.visible_to(user).select_for_update(of=("self",)).select_related("case").filter(pk=evidence_id)
    ).first()
    if evidence is None:
        raise NotFound(_("No such file."))
    if not may_review_evidence(user):
        raise Forbidden(_("Only bureau officers and supervisors review evidence."), code="role")
    if evidence.review_status != ReviewStatus.PENDING:
        raise WrongState(
            _("This file has already been reviewed (%(status)s).") % {"status": evidence.get_review_status_display()},
            code="already_reviewed",
        )
    reason = (reason or "").strip()
    if not accept and not reason:
        message = _("Give the reason for rejecting the file.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    evidence.review_status = ReviewStatus.ACCEPTED if accept else ReviewStatus.REJECTED
    evidence.review_reason = reason
    evidence.reviewed_by = user
    evidence.reviewed_at = timezone.now()
    evidence.save(update_fields=["review_status", "review_reason", "reviewed_by", "reviewed_at"])
    events.event_evidence_reviewed(evidence.case, user, evidence)
    return evidence
