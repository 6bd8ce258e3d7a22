"""Files and cases for the workflow tests, made through the same services the pages use."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from restoration.choices import CaseKind, CaseState
from restoration.services import evidence as evidence_services
from restoration.services import workflow

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def pdf_file(name="环境影响评估.pdf", extra=b""):
    return SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")


def _rational(value: float):
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60 * 100)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100))


def jpeg_file(name="现场照片.jpg", *, lat=None, lon=None, taken="2026:10:01 10:30:00", color=(90, 140, 80)):
    image = Image.new("RGB", (64, 48), color)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2], gps[3], gps[4] = "N", _rational(lat), "E", _rational(lon)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png_file(name="照片.png", color=(10, 120, 60)):
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def upload(case, user, *files, kind="photo"):
    return evidence_services.evidence_upload(case_id=case.pk, user=user, files=files, kind=kind)


def inspect(case, user, *, passed, area="3.50", deadline_days=30):
    today = timezone.localdate()
    return workflow.case_record_inspection(
        case_id=case.pk,
        user=user,
        inspected_on=today,
        inspectors="王建国、李晓明",
        departments="市生态环境局",
        findings="现场核查，治理工程已完成。" if passed else "排土场边坡未治理，植被覆盖不足。",
        passed=passed,
        area_restored_ha=Decimal(area),
        order_requirements="" if passed else "完成边坡削坡、覆土和植被恢复。",
        order_deadline=None if passed else today + timedelta(days=deadline_days),
    )


class Closure:
    """Drives a closure case from a company's draft to any state, step by step."""

    ORDER = [
        CaseState.DRAFT,
        CaseState.SUBMITTED,
        CaseState.UNDER_REVIEW,
        CaseState.RECTIFICATION_PROPOSED,
        CaseState.RECTIFICATION_ORDERED,
        CaseState.OVERDUE,
        CaseState.DELEGATION_PROPOSED,
        CaseState.DELEGATED_TREATMENT,
        CaseState.AWAITING_APPROVAL,
        CaseState.CLOSED,
    ]

    def __init__(self, *, mine, company_user, officer, supervisor, contractor_org):
        self.mine = mine
        self.company_user = company_user
        self.officer = officer
        self.supervisor = supervisor
        self.contractor_org = contractor_org
        self.case = None

    def reload(self):
        self.case.refresh_from_db()
        return self.case

    def to(self, state):
        steps = {
            CaseState.DRAFT: self._open,
            CaseState.SUBMITTED: self._submit,
            CaseState.UNDER_REVIEW: lambda: workflow.case_accept_for_review(case_id=self.case.pk, user=self.officer),
            CaseState.RECTIFICATION_PROPOSED: lambda: inspect(self.case, self.officer, passed=False),
            CaseState.RECTIFICATION_ORDERED: lambda: workflow.case_approve(case_id=self.case.pk, user=self.supervisor),
            CaseState.OVERDUE: lambda: workflow.cases_mark_overdue(today=self.case.deadline + timedelta(days=1)),
            CaseState.DELEGATION_PROPOSED: lambda: workflow.case_propose_delegation(
                case_id=self.case.pk, user=self.officer, contractor=self.contractor_org, cost_estimate=Decimal("80000")
            ),
            CaseState.DELEGATED_TREATMENT: lambda: workflow.case_approve(case_id=self.case.pk, user=self.supervisor),
            CaseState.AWAITING_APPROVAL: self._treated_and_passed,
            CaseState.CLOSED: lambda: workflow.case_approve(case_id=self.case.pk, user=self.supervisor),
        }
        for step in self.ORDER[: self.ORDER.index(state) + 1]:
            if self.case is not None and self.ORDER.index(self.case.state) >= self.ORDER.index(step):
                continue
            steps[step]()
            if self.case is not None:
                self.reload()
        assert self.case.state == state, (self.case.state, state)
        return self.case

    def _open(self):
        self.case = workflow.case_open(user=self.company_user, kind=CaseKind.CLOSURE, mine=self.mine)

    def _submit(self):
        upload(self.case, self.company_user, pdf_file(), kind="impact_assessment")
        upload(self.case, self.company_user, png_file(), kind="photo")
        workflow.case_submit(case_id=self.case.pk, user=self.company_user)

    def _treated_and_passed(self):
        workflow.case_record_treatment_cost(case_id=self.case.pk, user=self.officer, actual_cost=Decimal("120000.00"))
        inspect(self.case, self.officer, passed=True)
