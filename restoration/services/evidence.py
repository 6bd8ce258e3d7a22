"""Uploading and reviewing evidence. Files are checked before anything is stored."""

import errno
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from restoration.choices import EvidenceKind, ReviewStatus
from restoration.errors import Forbidden, Invalid, NotFound, Unavailable, WrongState
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
    previous = None
    if previous_id:
        previous = Evidence.objects.filter(case=case, pk=previous_id).current().first()
        if previous is None:
            raise Invalid(_("The file to replace is not the current version on this case."), code="previous")
    with atomic_with_files() as written:
        stored = evidence_store(
            user=user,
            files=files,
            kind=kind,
            description=description,
            owner={"case": case},
            subject=case.subject,
            previous=previous,
        )
        written.extend(stored)
        events.event_evidence_uploaded(case, user, stored)
    return stored


def evidence_store(
    *, user, files, kind: str, owner: dict, subject=None, description: str = "", previous=None, required=True
) -> list[Evidence]:
    """Check and store files for one owner (a case, a withdrawal, a disbursement). Run inside the
    caller's transaction: if anything fails, no row is left and the written files are removed."""
    if kind not in EvidenceKind.values:
        message = _("Choose what kind of evidence this is.")
        raise Invalid(message, fields={"kind": [message]})
    files = list(files)
    if not files:
        if not required:
            return []
        message = _("Choose at least one file.")
        raise Invalid(message, fields={"files": [message]})
    limit = settings.EVIDENCE_MAX_FILES_PER_REQUEST
    if len(files) > limit:
        too_many = _("At most %(limit)d files can be uploaded at once.") % {"limit": limit}
        raise Invalid(too_many, code="too_many_files", fields={"files": [too_many]})
    if previous is not None and len(files) != 1:
        raise Invalid(_("A new version replaces one file: upload exactly one."), code="previous")

    facts, problems = [], []
    for uploaded in files:
        try:
            facts.append((uploaded, inspect_upload(uploaded, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES)))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise Invalid(" ".join(str(p) for p in problems), code="bad_file", fields={"files": problems})

    stored = []
    try:
        for uploaded, fact in facts:
            duplicate = Evidence.objects.filter(sha256=fact.sha256, **owner).order_by("pk").first()
            distance = None
            if subject is not None and fact.latitude is not None and fact.longitude is not None:
                distance = Decimal(
                    str(round(distance_km(fact.latitude, fact.longitude, subject.latitude, subject.longitude), 2))
                )
            evidence = Evidence(
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
                **owner,
            )
            uploaded.seek(0)
            _write_file(evidence, uploaded)
            stored.append(evidence)
            evidence.save()
    except Exception:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return stored


def _write_file(evidence: Evidence, uploaded) -> None:
    """Store the bytes under a fresh private name. If the disk fills up (or any write fails) the
    partial file is removed and the user is told plainly; no row points at a broken file."""
    storage = evidence.file.storage
    name = evidence.file.field.generate_filename(evidence, "upload")
    try:
        evidence.file.name = storage.save(name, uploaded)
    except OSError as error:
        if storage.exists(name):
            storage.delete(name)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise Unavailable(
                _(
                    "The server has no room left to store %(name)s; nothing was stored. Try again later, or tell "
                    "the system administrator."
                )
                % {"name": evidence.original_name},
                code="disk_full",
            ) from None
        raise


@contextmanager
def atomic_with_files():
    """A transaction that also removes the files written in it if it fails.

    Files are not rows: a rollback would leave them on disk. Collect what `evidence_store`
    returns into the yielded list; on any error the files are deleted and the error re-raised.
    """
    written: list[Evidence] = []
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        for evidence in written:
            evidence.file.delete(save=False)
        raise


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
    if evidence.case_id:
        events.event_evidence_reviewed(evidence.case, user, evidence)
    return evidence
