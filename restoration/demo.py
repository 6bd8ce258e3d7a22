"""Demo restoration cases in every state, made through the workflow services as the demo users.

`load_demo_cases(loader)` runs after `mines.demo.DemoLoader.run()`. Every case is opened with
`workflow.case_open` and moved only by the services (`restoration.services.workflow`,
`restoration.services.evidence`), acting as the demo accounts: the companies submit and answer
orders, the officers review, inspect and propose, the supervisors approve (never what they proposed
themselves), the contractor reports its delegated work. Deadlines that must pass are passed by the
overdue sweep (`workflow.cases_mark_overdue`) called with a date after them, as the tests do.

Every demo case's description starts with `MARKER`; if one exists, nothing new is created, so
loading twice adds no case, event, file or fund entry.

Evidence files are generated: small JPEGs with EXIF capture date and GPS near the subject (one
deliberately about 20 km away) and small valid PDFs. Their bytes depend only on the case, the
file and the day of loading (no randomness).
"""

import inspect
import io
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter
from PIL.TiffImagePlugin import IFDRational

from mines.choices import Mineral, ProductionStatus, SiteStatus
from mines.models import GreenMineListing, HistoricalSite, Mine
from restoration.choices import CaseKind, CaseState, EvidenceKind, FundEntryKind
from restoration.models import Case
from restoration.services import evidence as evidence_services
from restoration.services import workflow
from restoration.services.funds import fund_account_for, fund_record

MARKER = "【演示】"
PINGLU = "平鲁区"
INSPECTORS = "王建国、李晓明"
DEPARTMENTS = "市生态环境局、市林业局"
REJECTION = "照片模糊，无法辨认治理效果，请重新拍摄"

K = CaseKind
S = CaseState
E = EvidenceKind

# The sweep moves orders whose deadline is before this many days from today; the orders meant to
# go overdue are given a deadline of tomorrow, every other order a later one.
OVERDUE_DEADLINE_DAYS = 1
SWEEP_AFTER_DAYS = 2

FINDINGS_FAIL = {
    "closure": (
        "现场核查：采场北侧排土场边坡坡度约42°，局部出现冲沟和小型滑塌；覆土厚度不足30厘米，"
        "植被覆盖率约35%，低于矿山地质环境保护与土地复垦方案要求的75%；截排水沟未贯通。"
    ),
    "producing": (
        "年度检查：矿山未按“边开采、边治理、边恢复”要求实施治理，已闭合的排土场平台未覆土绿化，"
        "工业场地西侧存在一处地裂缝（长约60米，宽5-15厘米）未充填。"
    ),
    "closing": (
        "现场检查：矿山已停止开采，但采坑高陡边坡（高约25米）未削坡，存在崩塌隐患；"
        "废石堆压占土地约1.2公顷，未清运或整形覆绿。"
    ),
    "suspended": (
        "现场检查：矿井停产期间工业场地和矸石堆未治理，矸石山东坡存在自燃隐患；"
        "井田范围内采煤沉陷区一条地裂缝（长约120米，宽10-30厘米）未充填，耕地受损约3.5公顷。"
    ),
    "green": (
        "绿色矿山核查：矿区绿化覆盖率约48%，低于绿色矿山建设规范要求；运输道路扬尘治理设施不完善，"
        "矿山地质环境治理恢复基金提取不足。"
    ),
}
REQUIREMENTS = {
    "closure": (
        "1. 对排土场边坡进行削坡整形，坡度控制在25°以内，分级设置平台；"
        "2. 覆土厚度不少于50厘米，撒播紫花苜蓿、沙打旺，栽植油松、沙棘，植被恢复至覆盖率75%以上；"
        "3. 修建并贯通截排水沟，消除冲沟和滑塌隐患；4. 整改完成后提交治理报告和现场照片。"
    ),
    "producing": (
        "1. 对已闭合排土场平台覆土60厘米并完成植被恢复；2. 充填、夯实工业场地西侧地裂缝并设置警示标志；"
        "3. 按年度治理计划补足治理资金投入，提交整改报告。"
    ),
    "closing": (
        "1. 对采坑高陡边坡削坡减载，坡度不大于35°，设置安全平台和挡石墙；"
        "2. 清运或整形废石堆，覆土绿化；3. 完成后报请复查。"
    ),
    "suspended": (
        "1. 矸石山削坡整形、分层碾压覆土并绿化，消除自燃隐患；2. 充填、夯实采煤沉陷区地裂缝，"
        "平整土地后复垦；3. 完成后提交治理报告和现场照片，报请复查。"
    ),
    "green": (
        "1. 补植乔灌木，矿区绿化覆盖率达到可绿化面积的100%；2. 完善运输道路洒水、围挡和车辆冲洗设施；"
        "3. 按规定足额提取矿山地质环境治理恢复基金。"
    ),
}
FINDINGS_PASS = {
    "closure": (
        "现场核查：采场及排土场已完成削坡、覆土和植被恢复，植被覆盖率约82%，截排水设施完好，"
        "无地质灾害隐患，达到闭坑验收要求。"
    ),
    "delegated": (
        "委托治理工程复核：受托单位已按治理方案完成削坡整形、覆土绿化和截排水工程，"
        "植被成活率约88%，工程质量合格，费用已结算。"
    ),
    "producing": "年度检查：矿山按方案开展边开采、边治理，已治理区域植被长势良好，未发现新的地质环境问题。",
    "green": "绿色矿山核查：矿区环境、资源开发方式、综合利用、节能减排和企业管理均符合绿色矿山建设规范。",
    "site": (
        "竣工验收：地形整治、土壤重构和植被恢复工程已完成，植被覆盖率约85%，地质灾害隐患已消除，治理面积经实测核定。"
    ),
}

# (file name, English line for the PDF body)
IMPACT_ASSESSMENT = ("矿山环境影响评估报告.pdf", "Mine environmental impact assessment")
RESTORATION_REPORT = ("矿山地质环境治理恢复报告.pdf", "Mine geological environment restoration report")


class DemoDataError(RuntimeError):
    """The demo data set cannot be built (e.g. the inventory lacks a suitable mine)."""


def demo_cases():
    return Case.objects.filter(description__startswith=MARKER)


def load_demo_cases(loader) -> int:
    """Create the demo cases unless they exist; returns how many were created now."""
    existing = demo_cases()
    if existing.exists():
        return 0
    builder = _DemoCases(loader)
    try:
        with transaction.atomic():
            builder.run()
    except BaseException:
        builder.delete_files()
        raise
    return len(builder.cases)


# ---------------------------------------------------------------- generated files


def _rational(value: float):
    """Degrees, minutes and hundredths of seconds, as EXIF GPS wants them."""
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60 * 100)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100))


PALETTE = [(96, 128, 70), (122, 150, 82), (150, 140, 100), (172, 160, 128), (84, 112, 62), (138, 118, 90)]


def jpeg_bytes(*, seed: int, lat: float, lon: float, taken: datetime, drone: bool = False, blurred: bool = False):
    """A small landscape (or, for a drone, a patchwork of fields) with EXIF date and GPS."""
    width, height = (200, 150) if drone else (160, 120)
    image = Image.new("RGB", (width, height), (150, 190, 225))
    draw = ImageDraw.Draw(image)
    if drone:
        cell = 25
        for i in range(width // cell):
            for j in range(height // cell):
                color = PALETTE[(i * 3 + j * 5 + seed) % len(PALETTE)]
                draw.rectangle([i * cell, j * cell, i * cell + cell - 2, j * cell + cell - 2], fill=color)
        draw.line([(0, 20 + seed % 50), (width, 110 - seed % 40)], fill=(205, 200, 190), width=4)
    else:
        for y in range(height // 2):
            draw.line([(0, y), (width, y)], fill=(150 + y // 3, 190 + y // 6, 225))
        ridge = 40 + seed % 20
        draw.polygon(
            [(0, height), (0, ridge + 20), (60, ridge), (110, ridge + 12), (width, ridge + 4), (width, height)],
            fill=(150, 130, 100),
        )
        for step in range(4):  # terraces of the restored slope
            y = ridge + 22 + step * 18
            draw.line([(0, y + 6), (width, y)], fill=(120, 104, 80), width=2)
        for row in range(4):
            for col in range(12):
                x = 6 + col * 13 + (row * 5 + seed) % 7
                y = ridge + 28 + row * 18
                draw.ellipse([x, y - 5, x + 8, y + 3], fill=PALETTE[(row + col + seed) % 2])
    if blurred:
        image = image.filter(ImageFilter.GaussianBlur(4))
    exif = Image.Exif()
    exif[0x010F] = "DJI" if drone else "HUAWEI"
    exif[0x0110] = "Mavic 3E" if drone else "Mate 60"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif_ifd[0x9011] = "+08:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", _rational(lat), "E", _rational(lon)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, exif=exif)
    return out.getvalue()


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a correct cross-reference table; the title (Chinese) goes in /Info."""
    body = ["BT /F1 16 Tf 56 780 Td", f"({_pdf_text(lines[0])}) Tj", "/F1 11 Tf"]
    for line in lines[1:]:
        body += ["0 -20 Td", f"({_pdf_text(line)}) Tj"]
    body.append("ET")
    stream = "\n".join(body).encode("ascii")
    title_hex = "FEFF" + title.encode("utf-16-be").hex().upper()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length %d>>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Title<" + title_hex.encode("ascii") + b">/Producer(Shuozhou restoration demo)>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + content + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<</Size %d/Root 1 0 R/Info 6 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# ---------------------------------------------------------------- the cases


class _DemoCases:
    def __init__(self, loader):
        self.today = timezone.localdate()
        users = {account.username: user for account, user in loader.accounts}
        self.officer = users["officer"]
        self.officer_pinglu = users["officer_pinglu"]
        self.supervisor = users["supervisor"]
        self.supervisor2 = users["supervisor2"]
        self.company_a = users["company_a"]
        self.company_b = users["company_b"]
        self.contractor_user = users["contractor"]
        self.company = loader.demo_companies
        self.contractors = loader.contractors
        self.mines = list(
            Mine.objects.filter(pk__in=[m.pk for m in loader.mines])
            .select_related("county", "company")
            .order_by("licence_no")
        )
        self.green = set(GreenMineListing.objects.current().values_list("mine_id", flat=True))
        self.used_mines: set[int] = set()
        self.used_sites: set[int] = set()
        self.cases: list[Case] = []
        self.expected: list[tuple[Case, str]] = []
        self.stored = []
        self.serial = 0

    # ------------------------------------------------------------ running

    def run(self):
        stories = [
            # Company A: a rectification closed by delegated treatment its fund could not cover
            self.rectification_closed_by_delegation_with_receivable,
            # Closure acceptance: company A
            self.closure_order_due_within_a_week,
            self.closure_in_delegated_treatment,
            self.closure_submitted_with_a_far_photo,
            self.closure_awaiting_approval,
            self.closure_draft,
            # Closure acceptance: company B
            self.closure_closed,
            self.closure_back_under_review_after_rectification,
            self.closure_rectification_proposed,
            self.closure_overdue,
            self.closure_delegation_proposed,
            self.closure_withdrawn,
            # Closure acceptance of a closing mine, registered by the officer
            self.closure_draft_registered_by_officer,
            # Rectification of closing mines
            self.rectification_under_review,
            self.rectification_ordered,
            self.rectification_due_soon,
            self.rectification_delegated_and_covered_by_the_fund,
            self.rectification_overdue,
            # Annual inspection of producing mines
            self.annual_scheduled,
            self.annual_under_review,
            self.annual_closed,
            self.annual_rectification_ordered,
            self.annual_delegated,
            # Green-mine verification
            self.green_scheduled,
            self.green_renewed,
            self.green_rectification_ordered,
            self.green_removal_proposed,
            # Historical sites
            self.site_identified,
            self.site_surveyed,
            self.site_designed,
            self.site_under_treatment,
            self.site_back_under_treatment,
            self.site_awaiting_acceptance,
            self.site_awaiting_approval,
            self.site_accepted,
            self.site_accepted_by_two_supervisors,
        ]
        waiting = []
        for story in stories:
            result = story()
            if inspect.isgenerator(result) and next(result, None) is not None:
                waiting.append(result)
        # The deadlines of the orders above that are meant to run out have run out.
        workflow.cases_mark_overdue(today=self.today + timedelta(days=SWEEP_AFTER_DAYS))
        for story in waiting:
            for _ in story:
                raise DemoDataError("a demo story waited twice for its deadline")
        for case, state in self.expected:
            case.refresh_from_db()
            if case.state != state:
                raise DemoDataError(f"demo case {case.number} ended in {case.state}, not {state}")

    def delete_files(self):
        for evidence in self.stored:
            evidence.file.delete(save=False)

    # ------------------------------------------------------------ choosing subjects

    def _mine(self, what, accept, *, prefer=(), closure=False, green=False):
        pool = [
            m
            for m in self.mines
            if m.pk not in self.used_mines
            and m.production_status not in (ProductionStatus.UNDER_CONSTRUCTION, ProductionStatus.CLOSED)
            and (m.pk in self.green) == green
            and accept(m)
        ]
        if closure:
            busy = set(Case.objects.filter(kind=K.CLOSURE).open().values_list("mine_id", flat=True))
            pool = [m for m in pool if m.pk not in busy]
        for wish in (*prefer, lambda m: True):
            for mine in pool:
                if wish(mine):
                    self.used_mines.add(mine.pk)
                    return mine
        raise DemoDataError(f"no mine left in the inventory for the demo case: {what}")

    def _of(self, key):
        company = self.company[key]
        return lambda m: m.company_id == company.pk

    def _other_company(self, m):
        return m.company_id not in (self.company["A"].pk, self.company["B"].pk)

    @staticmethod
    def _in(county):
        return lambda m: m.county.name == county

    @staticmethod
    def _status(*statuses):
        return lambda m: m.production_status in statuses

    def _site(self, what, *, prefer=()):
        busy = Case.objects.filter(kind=K.HISTORICAL_SITE).open().values("site_id")
        pool = [
            s
            for s in HistoricalSite.objects.exclude(status=SiteStatus.ACCEPTED)
            .exclude(pk__in=busy)
            .select_related("county", "key_project__contractor")
            .order_by("code")
            if s.pk not in self.used_sites
        ]
        for wish in (*prefer, lambda s: True):
            for site in pool:
                if wish(site):
                    self.used_sites.add(site.pk)
                    return site
        raise DemoDataError(f"no historical site left for the demo case: {what}")

    def _by_contractor(self, index):
        contractor = self.contractors[index]
        return lambda s: s.key_project_id is not None and s.key_project.contractor_id == contractor.pk

    def _officer_for(self, subject):
        return self.officer_pinglu if subject.county.name == PINGLU else self.officer

    # ------------------------------------------------------------ files

    def _photo(self, case, name, *, days_ago=3, far=False, drone=False, blurred=False):
        self.serial += 1
        n = self.serial
        subject = case.subject
        # Within about 700 m of the subject; the far one about 20 km north of it.
        lat = float(subject.latitude) + 0.0025 * ((n % 5) - 2) + (0.18 if far else 0)
        lon = float(subject.longitude) + 0.003 * ((n * 3 % 5) - 2)
        taken = datetime.combine(self.today - timedelta(days=days_ago), time(9, 0)) + timedelta(minutes=17 * n)
        data = jpeg_bytes(seed=n, lat=lat, lon=lon, taken=taken, drone=drone, blurred=blurred)
        return SimpleUploadedFile(name, data, content_type="image/jpeg")

    def _pdf(self, case, document, *lines):
        name, english = document
        subject = case.subject
        code = getattr(subject, "licence_no", "") or getattr(subject, "code", "")
        data = pdf_bytes(
            f"{subject.name} {name.rsplit('.', 1)[0]}",
            [
                "Shuozhou mine ecological restoration",
                f"Document: {english}",
                f"Case: {case.number}",
                f"Subject: {code}",
                f"Date: {self.today.isoformat()}",
                *lines,
                "Generated demo data; not a real document.",
            ],
        )
        return SimpleUploadedFile(name, data, content_type="application/pdf")

    def _upload(self, case, user, kind, *files, description="", previous=None):
        stored = evidence_services.evidence_upload(
            case_id=case.pk,
            user=user,
            files=files,
            kind=kind,
            description=description,
            previous_id=previous.pk if previous else None,
        )
        self.stored.extend(stored)
        return stored

    def _review(self, user, *evidence, reason=""):
        for item in evidence:
            evidence_services.evidence_review(evidence_id=item.pk, user=user, accept=not reason, reason=reason)

    # ------------------------------------------------------------ steps

    def _open(self, kind, user, expected, *, mine=None, site=None, title, text, deadline_days=None):
        deadline = self.today + timedelta(days=deadline_days) if deadline_days is not None else None
        case = workflow.case_open(
            user=user, kind=kind, mine=mine, site=site, title=title, description=MARKER + text, deadline=deadline
        )
        self.cases.append(case)
        self.expected.append((case, expected))
        return case

    def _deposit(self, mine, amount, memo):
        fund_record(
            account_id=fund_account_for(mine).pk,
            user=self.officer,
            kind=FundEntryKind.DEPOSIT,
            amount=Decimal(amount),
            memo=memo,
        )

    def _application(self, case, company_user, *, far=False):
        """What a company attaches to its closure application."""
        assessment = self._upload(
            case,
            company_user,
            E.IMPACT_ASSESSMENT,
            self._pdf(case, IMPACT_ASSESSMENT),
            description="矿山环境影响评估报告（闭坑）",
        )
        report = self._upload(
            case, company_user, E.REPORT, self._pdf(case, RESTORATION_REPORT), description="治理恢复工程总结报告"
        )
        photos = self._upload(
            case,
            company_user,
            E.PHOTO,
            self._photo(case, "排土场复绿照片.jpg", days_ago=12),
            self._photo(case, "采场边坡治理照片.jpg", days_ago=12),
            *([self._photo(case, "复垦区全景照片.jpg", days_ago=11, far=True)] if far else []),
            description="治理区现场照片",
        )
        drone = self._upload(
            case,
            company_user,
            E.DRONE_IMAGE,
            self._photo(case, "无人机正射影像.jpg", days_ago=10, drone=True),
            description="治理区无人机航拍",
        )
        return assessment + report + photos + drone

    def _submitted(self, case, company_user, **kwargs):
        files = self._application(case, company_user, **kwargs)
        workflow.case_submit(case_id=case.pk, user=company_user)
        return files

    def _under_review(self, case, company_user, officer):
        files = self._submitted(case, company_user)
        workflow.case_accept_for_review(case_id=case.pk, user=officer)
        self._review(officer, *files)
        return files

    def _fail(self, case, officer, topic, *, days, inspected_days_ago=6):
        photos = self._upload(
            case, officer, E.PHOTO, self._photo(case, "现场检查照片.jpg", days_ago=inspected_days_ago)
        )
        workflow.case_record_inspection(
            case_id=case.pk,
            user=officer,
            inspected_on=self.today - timedelta(days=inspected_days_ago),
            inspectors=INSPECTORS,
            departments=DEPARTMENTS,
            findings=FINDINGS_FAIL[topic],
            passed=False,
            order_requirements=REQUIREMENTS[topic],
            order_deadline=self.today + timedelta(days=days),
            photos=photos,
        )

    def _order(self, case, officer, supervisor, topic, *, days, inspected_days_ago=6):
        self._fail(case, officer, topic, days=days, inspected_days_ago=inspected_days_ago)
        workflow.case_approve(case_id=case.pk, user=supervisor, reason="同意下达限期整改通知。")

    def _pass(self, case, inspector, topic, *, area="0", inspected_days_ago=1):
        photos = self._upload(
            case, inspector, E.PHOTO, self._photo(case, "验收现场照片.jpg", days_ago=inspected_days_ago)
        )
        workflow.case_record_inspection(
            case_id=case.pk,
            user=inspector,
            inspected_on=self.today - timedelta(days=inspected_days_ago),
            inspectors=INSPECTORS,
            departments=DEPARTMENTS,
            findings=FINDINGS_PASS[topic],
            passed=True,
            area_restored_ha=Decimal(area),
            photos=photos,
        )

    def _delegate(self, case, officer, supervisor, contractor, estimate, *, approve=True):
        workflow.case_propose_delegation(
            case_id=case.pk,
            user=officer,
            contractor=contractor,
            cost_estimate=Decimal(estimate),
            scope="逾期仍未完成整改，委托具备资质的单位实施边坡削坡整形、覆土绿化和截排水工程，费用由矿山企业承担。",
        )
        if approve:
            workflow.case_approve(case_id=case.pk, user=supervisor, reason="同意委托治理，费用从治理恢复基金中列支。")

    def _contractor_progress(self, case):
        self._upload(
            case,
            self.contractor_user,
            E.PHOTO,
            self._photo(case, "委托治理施工进度照片.jpg", days_ago=0),
            description="削坡和覆土施工进度",
        )

    # ------------------------------------------------------------ closure: company A

    def rectification_closed_by_delegation_with_receivable(self):
        # A rectification, not a closure: approving a closure would close a coal mine and change
        # the plan's 2020 coal figures that the inventory keeps (14 suspended, 49 producing).
        mine = self._mine(
            "A closed by delegation",
            self._of("A"),
            prefer=(lambda m: m.production_status == ProductionStatus.SUSPENDED and m.county.name == PINGLU,),
        )
        officer = self._officer_for(mine)
        self._deposit(mine, "150000.00", "2024年度矿山地质环境治理恢复基金缴存")
        case = self._rectification(
            mine,
            officer,
            S.CLOSED,
            "停产矿井逾期未完成整改，已委托治理并复核合格；实际费用超出基金余额的部分向企业追缴。",
        )
        self._order(case, officer, self.supervisor, "suspended", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=20)
        yield S.OVERDUE
        self._delegate(case, officer, self.supervisor2, self.contractors[0], "450000.00")
        self._contractor_progress(case)
        workflow.case_record_treatment_cost(case_id=case.pk, user=officer, actual_cost=Decimal("486500.00"))
        workflow.case_report_treatment_done(
            case_id=case.pk, user=self.contractor_user, note="委托治理工程已全部完工，申请复核。"
        )
        self._upload(
            case,
            officer,
            E.INVOICE,
            self._pdf(case, ("委托治理工程结算发票.pdf", "Invoice for delegated treatment"), "Amount: 486500.00 CNY"),
            description="委托治理工程结算",
        )
        self._pass(case, officer, "delegated", area="3.50")

    def closure_order_due_within_a_week(self):
        mine = self._mine(
            "A order due soon", self._of("A"), closure=True, prefer=(self._status(ProductionStatus.SUSPENDED),)
        )
        officer = self._officer_for(mine)
        case = self._open(
            K.CLOSURE,
            self.company_a,
            S.RECTIFICATION_ORDERED,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="闭坑验收现场核查不合格，已下达限期整改通知，整改期限将至。",
        )
        self._under_review(case, self.company_a, officer)
        self._order(case, officer, self.supervisor2, "closure", days=4, inspected_days_ago=25)

    def closure_in_delegated_treatment(self):
        mine = self._mine("A delegated", self._of("A"), closure=True, prefer=(self._in(PINGLU),))
        officer = self._officer_for(mine)
        self._deposit(mine, "600000.00", "2023-2025年度矿山地质环境治理恢复基金缴存")
        case = self._open(
            K.CLOSURE,
            self.company_a,
            S.DELEGATED_TREATMENT,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="逾期未完成整改，已委托山西晋北生态修复工程有限公司实施治理，施工中。",
        )
        self._under_review(case, self.company_a, officer)
        self._order(case, officer, self.supervisor, "closure", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=30)
        yield S.OVERDUE
        self._delegate(case, officer, self.supervisor2, self.contractors[0], "520000.00")
        self._contractor_progress(case)

    def closure_submitted_with_a_far_photo(self):
        mine = self._mine("A submitted", self._of("A"), closure=True, prefer=(self._in(PINGLU),))
        case = self._open(
            K.CLOSURE,
            self.company_a,
            S.SUBMITTED,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="企业已提交闭坑验收申请及佐证材料，待经办人受理；其中一张照片的拍摄位置距矿区约20公里。",
        )
        self._submitted(case, self.company_a, far=True)

    def closure_awaiting_approval(self):
        mine = self._mine("A awaiting approval", self._of("A"), closure=True, prefer=(self._in(PINGLU),))
        officer = self._officer_for(mine)
        case = self._open(
            K.CLOSURE,
            self.company_a,
            S.AWAITING_APPROVAL,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="现场核查合格，待审核人审批闭坑。",
        )
        self._under_review(case, self.company_a, officer)
        self._pass(case, officer, "closure", area="12.40", inspected_days_ago=2)

    def closure_draft(self):
        mine = self._mine("A draft", self._of("A"), closure=True, prefer=(self._in(PINGLU),))
        case = self._open(
            K.CLOSURE,
            self.company_a,
            S.DRAFT,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="企业正在准备闭坑验收申请材料，尚未提交。",
        )
        self._upload(
            case,
            self.company_a,
            E.IMPACT_ASSESSMENT,
            self._pdf(case, ("矿山环境影响评估报告（初稿）.pdf", "Mine environmental impact assessment (draft)")),
        )

    # ------------------------------------------------------------ closure: company B

    def closure_closed(self):
        # Company B's non-coal mine: closing a coal mine would change the plan's 2020 coal figures.
        mine = self._mine("B closed (non-coal)", lambda m: self._of("B")(m) and m.mineral != Mineral.COAL, closure=True)
        self._deposit(mine, "420000.00", "矿山地质环境治理恢复基金缴存")
        case = self._open(
            K.CLOSURE,
            self.company_b,
            S.CLOSED,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="矿井关闭后企业自行完成治理，现场核查合格，已批准闭坑。",
        )
        self._under_review(case, self.company_b, self.officer)
        self._pass(case, self.officer, "closure", area="18.60", inspected_days_ago=9)
        workflow.case_approve(case_id=case.pk, user=self.supervisor2, reason="同意闭坑。")

    def closure_back_under_review_after_rectification(self):
        mine = self._mine("B re-inspection", self._of("B"), closure=True)
        case = self._open(
            K.CLOSURE,
            self.company_b,
            S.UNDER_REVIEW,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="首次核查不合格；企业提交整改材料（一张照片因模糊被退回后重新上传），待复查。",
        )
        self._under_review(case, self.company_b, self.officer)
        self._order(case, self.officer, self.supervisor, "closure", days=30, inspected_days_ago=28)
        blurred = self._upload(
            case, self.company_b, E.PHOTO, self._photo(case, "边坡整改后照片.jpg", days_ago=5, blurred=True)
        )[0]
        self._review(self.officer, blurred, reason=REJECTION)
        retaken = self._upload(
            case,
            self.company_b,
            E.PHOTO,
            self._photo(case, "边坡整改后照片（重拍）.jpg", days_ago=3),
            description="重新拍摄的整改后照片",
            previous=blurred,
        )
        report = self._upload(
            case, self.company_b, E.REPORT, self._pdf(case, ("整改完成报告.pdf", "Rectification completion report"))
        )
        self._review(self.officer, *retaken, *report)
        workflow.case_submit_rectification(
            case_id=case.pk, user=self.company_b, note="已按整改通知完成削坡整形、覆土和植被恢复，请复查。"
        )

    def closure_rectification_proposed(self):
        mine = self._mine("B order proposed", self._of("B"), closure=True)
        case = self._open(
            K.CLOSURE,
            self.company_b,
            S.RECTIFICATION_PROPOSED,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="现场核查不合格，经办人已起草限期整改通知，待审核人审批。",
        )
        self._under_review(case, self.company_b, self.officer)
        self._fail(case, self.officer, "closure", days=45, inspected_days_ago=3)

    def closure_overdue(self):
        mine = self._mine("B overdue", self._of("B"), closure=True)
        self._deposit(mine, "260000.00", "矿山地质环境治理恢复基金缴存")
        case = self._open(
            K.CLOSURE,
            self.company_b,
            S.OVERDUE,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="限期整改期满仍未完成，已逾期，待经办人提出委托治理。",
        )
        self._under_review(case, self.company_b, self.officer)
        self._order(case, self.officer, self.supervisor2, "closure", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=35)
        yield S.OVERDUE

    def closure_delegation_proposed(self):
        mine = self._mine("B delegation proposed", self._of("B"), closure=True)
        self._deposit(mine, "180000.00", "矿山地质环境治理恢复基金缴存")
        case = self._open(
            K.CLOSURE,
            self.company_b,
            S.DELEGATION_PROPOSED,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="逾期仍不合格，经办人已提出委托治理（预算超出基金余额），待审核人审批。",
        )
        self._under_review(case, self.company_b, self.officer)
        self._order(case, self.officer, self.supervisor, "closure", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=40)
        yield S.OVERDUE
        self._delegate(case, self.officer, None, self.contractors[1], "350000.00", approve=False)

    def closure_withdrawn(self):
        mine = self._mine("B withdrawn", self._of("B"), closure=True)
        case = self._open(
            K.CLOSURE,
            self.company_b,
            S.WITHDRAWN,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="企业决定延续开采，撤回闭坑验收申请。",
        )
        self._submitted(case, self.company_b)
        workflow.case_withdraw(
            case_id=case.pk, user=self.company_b, reason="经集团研究决定延续开采，撤回闭坑验收申请。"
        )

    def closure_draft_registered_by_officer(self):
        mine = self._mine(
            "closing mine draft", self._status(ProductionStatus.CLOSING), prefer=(self._in(PINGLU),), closure=True
        )
        officer = self._officer_for(mine)
        case = self._open(
            K.CLOSURE,
            officer,
            S.DRAFT,
            mine=mine,
            title=f"{mine.name}闭坑验收申请",
            text="矿山正在关闭，经办人代为登记闭坑验收事项，待企业补齐材料后提交。",
        )
        self._upload(
            case,
            officer,
            E.IMPACT_ASSESSMENT,
            self._pdf(
                case, ("矿山环境影响评估报告（纸质材料扫描件）.pdf", "Mine environmental impact assessment (scan)")
            ),
        )

    # ------------------------------------------------------------ rectification of closing mines

    def _closing(self, what, county=None):
        return self._mine(what, self._status(ProductionStatus.CLOSING), prefer=(self._in(county),) if county else ())

    def _rectification(self, mine, officer, expected, text):
        case = self._open(
            K.RECTIFICATION, officer, expected, mine=mine, title=f"{mine.name}矿山地质环境问题整改", text=text
        )
        return case

    def rectification_under_review(self):
        mine = self._closing("rectification under review", "朔城区")
        case = self._rectification(
            mine, self.officer, S.UNDER_REVIEW, "群众反映矿山关闭后采坑边坡存在崩塌隐患，已立案核查。"
        )
        self._upload(case, self.officer, E.PHOTO, self._photo(case, "采坑边坡现状照片.jpg", days_ago=2))

    def rectification_ordered(self):
        mine = self._closing("rectification ordered", "怀仁市")
        case = self._rectification(
            mine, self.officer, S.RECTIFICATION_ORDERED, "关闭矿山采坑边坡和废石堆未治理，已责令限期整改。"
        )
        self._order(case, self.officer, self.supervisor, "closing", days=45, inspected_days_ago=8)

    def rectification_due_soon(self):
        mine = self._closing("rectification due soon", "右玉县")
        case = self._rectification(
            mine, self.officer, S.RECTIFICATION_ORDERED, "限期整改通知即将到期，企业尚未报送整改材料。"
        )
        self._order(case, self.officer, self.supervisor2, "closing", days=5, inspected_days_ago=40)

    def rectification_delegated_and_covered_by_the_fund(self):
        mine = self._closing("rectification delegated", PINGLU)
        officer = self._officer_for(mine)
        self._deposit(mine, "320000.00", "矿山地质环境治理恢复基金缴存")
        case = self._rectification(
            mine,
            officer,
            S.DELEGATED_TREATMENT,
            "逾期未整改，已委托治理；实际费用由治理恢复基金足额列支。",
        )
        self._order(case, officer, self.supervisor, "closing", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=45)
        yield S.OVERDUE
        self._delegate(case, officer, self.supervisor2, self.contractors[0], "300000.00")
        self._contractor_progress(case)
        self._upload(
            case,
            officer,
            E.INVOICE,
            self._pdf(case, ("委托治理工程进度款发票.pdf", "Invoice for delegated treatment"), "Amount: 268400.00 CNY"),
        )
        workflow.case_record_treatment_cost(case_id=case.pk, user=officer, actual_cost=Decimal("268400.00"))

    def rectification_overdue(self):
        mine = self._closing("rectification overdue", "山阴县")
        case = self._rectification(mine, self.officer, S.OVERDUE, "限期整改期满，复查仍不合格，已逾期。")
        self._order(case, self.officer, self.supervisor, "closing", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=50)
        yield S.OVERDUE

    # ------------------------------------------------------------ annual inspection of producing mines

    def _producing(self, what, county=None, accept=None):
        accept = accept or self._other_company
        return self._mine(
            what,
            lambda m: m.production_status == ProductionStatus.PRODUCING and accept(m),
            prefer=(self._in(county),) if county else (),
        )

    def _annual(self, mine, officer, expected, text, *, deadline_days):
        return self._open(
            K.ANNUAL_INSPECTION,
            officer,
            expected,
            mine=mine,
            title=f"{mine.name}{self.today.year}年度矿山生态修复检查",
            text=text,
            deadline_days=deadline_days,
        )

    def annual_scheduled(self):
        mine = self._producing("annual scheduled", PINGLU)
        self._annual(
            mine, self._officer_for(mine), S.SCHEDULED, "按年度计划安排“边开采、边治理”检查。", deadline_days=40
        )

    def annual_under_review(self):
        mine = self._producing("annual under review", "朔城区")
        case = self._annual(mine, self.officer, S.UNDER_REVIEW, "年度检查进行中。", deadline_days=20)
        workflow.case_start_inspection(case_id=case.pk, user=self.officer)
        self._upload(case, self.officer, E.DRONE_IMAGE, self._photo(case, "矿区无人机航拍.jpg", days_ago=1, drone=True))

    def annual_closed(self):
        mine = self._producing("annual closed", "山阴县")
        case = self._annual(mine, self.officer, S.CLOSED, "年度检查合格。", deadline_days=15)
        workflow.case_start_inspection(case_id=case.pk, user=self.officer)
        self._pass(case, self.officer, "producing", area="4.20", inspected_days_ago=4)

    def annual_rectification_ordered(self):
        mine = self._producing("annual A ordered", PINGLU, accept=self._of("A"))
        officer = self._officer_for(mine)
        case = self._annual(
            mine, officer, S.RECTIFICATION_ORDERED, "年度检查发现未同步治理，已责令限期整改。", deadline_days=10
        )
        workflow.case_start_inspection(case_id=case.pk, user=officer)
        self._order(case, officer, self.supervisor, "producing", days=30, inspected_days_ago=5)

    def annual_delegated(self):
        mine = self._producing("annual delegated", "怀仁市")
        self._deposit(mine, "200000.00", "矿山地质环境治理恢复基金缴存")
        case = self._annual(
            mine, self.officer, S.DELEGATED_TREATMENT, "年度检查不合格且逾期未整改，已委托治理。", deadline_days=10
        )
        workflow.case_start_inspection(case_id=case.pk, user=self.officer)
        self._order(
            case, self.officer, self.supervisor2, "producing", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=38
        )
        yield S.OVERDUE
        self._delegate(case, self.officer, self.supervisor, self.contractors[0], "160000.00")
        self._contractor_progress(case)

    # ------------------------------------------------------------ green-mine verification

    def _green(self, what, expected, text, *, deadline_days, county=None):
        mine = self._mine(what, self._other_company, green=True, prefer=(self._in(county),) if county else ())
        officer = self._officer_for(mine)
        case = self._open(
            K.GREEN_VERIFICATION,
            officer,
            expected,
            mine=mine,
            title=f"{mine.name}绿色矿山{self.today.year}年度核查",
            text=text,
            deadline_days=deadline_days,
        )
        return case, officer

    def green_scheduled(self):
        self._green("green scheduled", S.SCHEDULED, "绿色矿山名录年度核查已排期。", deadline_days=60, county=PINGLU)

    def green_renewed(self):
        case, officer = self._green("green renewed", S.CLOSED, "核查合格，名录资格延续。", deadline_days=30)
        workflow.case_start_inspection(case_id=case.pk, user=officer)
        self._upload(case, officer, E.DRONE_IMAGE, self._photo(case, "矿区绿化无人机航拍.jpg", days_ago=3, drone=True))
        self._pass(case, officer, "green", inspected_days_ago=3)

    def green_rectification_ordered(self):
        case, officer = self._green(
            "green ordered", S.RECTIFICATION_ORDERED, "核查不合格，限期整改期间名录状态为整改中。", deadline_days=20
        )
        workflow.case_start_inspection(case_id=case.pk, user=officer)
        self._order(case, officer, self.supervisor, "green", days=60, inspected_days_ago=7)

    def _green_overdue(self, what, expected, text, county=None):
        case, officer = self._green(what, expected, text, deadline_days=15, county=county)
        workflow.case_start_inspection(case_id=case.pk, user=officer)
        self._order(case, officer, self.supervisor2, "green", days=OVERDUE_DEADLINE_DAYS, inspected_days_ago=60)
        return case, officer

    def green_removal_proposed(self):
        case, officer = self._green_overdue(
            "green removal proposed",
            S.REMOVAL_PROPOSED,
            "整改期满仍不符合绿色矿山建设规范，经办人提出移出名录，待审批。",
            county=PINGLU,
        )
        yield S.OVERDUE
        workflow.case_propose_removal(
            case_id=case.pk, user=officer, reason="整改期满复查仍不合格，绿化覆盖率和基金提取均未达标，建议移出名录。"
        )

    # ------------------------------------------------------------ historical sites

    def _site_case(self, what, expected, text, *, prefer, user=None):
        site = self._site(what, prefer=prefer)
        officer = user or self._officer_for(site)
        case = self._open(
            K.HISTORICAL_SITE,
            officer,
            expected,
            site=site,
            title=f"{site.name}生态修复",
            text=text,
        )
        return case, site, officer

    def _advance(self, case, officer, until):
        notes = {
            S.IDENTIFIED: (
                "完成地质环境调查，查明损毁类型和面积。",
                ("地质环境调查报告.pdf", "Geological survey report"),
            ),
            S.SURVEYED: ("治理工程设计方案通过专家评审。", ("治理工程设计方案.pdf", "Treatment design")),
            S.DESIGNED: ("完成招标，施工单位进场。", None),
        }
        while case.state != until:
            note, document = notes[case.state]
            if document:
                self._upload(case, officer, E.REPORT, self._pdf(case, document))
            case = workflow.case_advance_site(case_id=case.pk, user=officer, note=note)
        return case

    @staticmethod
    def _site_status(*statuses):
        return lambda s: s.status in statuses

    def site_identified(self):
        self._site_case(
            "site identified",
            S.IDENTIFIED,
            "遥感核查新发现的历史遗留矿山，待开展地质环境调查。",
            prefer=(lambda s: s.county.name == PINGLU and s.status == SiteStatus.IDENTIFIED,),
        )

    def site_surveyed(self):
        case, _site, officer = self._site_case(
            "site surveyed",
            S.SURVEYED,
            "调查完成，待编制治理工程设计。",
            prefer=(self._site_status(SiteStatus.SURVEYED),),
        )
        self._advance(case, officer, S.SURVEYED)

    def site_designed(self):
        case, _site, officer = self._site_case(
            "site designed",
            S.DESIGNED,
            "设计方案已评审，待施工单位进场。",
            prefer=(self._site_status(SiteStatus.DESIGNED),),
        )
        self._advance(case, officer, S.DESIGNED)

    def site_under_treatment(self):
        case, _site, officer = self._site_case(
            "site under treatment",
            S.UNDER_TREATMENT,
            "重点工程施工中。",
            prefer=(
                lambda s: (
                    s.county.name == PINGLU and s.status == SiteStatus.UNDER_TREATMENT and self._by_contractor(0)(s)
                ),
                self._by_contractor(0),
            ),
        )
        self._advance(case, officer, S.UNDER_TREATMENT)
        self._contractor_progress(case)

    def site_back_under_treatment(self):
        case, _site, officer = self._site_case(
            "site back under treatment",
            S.UNDER_TREATMENT,
            "竣工验收不合格，退回继续施工。",
            prefer=(lambda s: s.status == SiteStatus.UNDER_TREATMENT and s.key_project_id is not None,),
        )
        self._advance(case, officer, S.UNDER_TREATMENT)
        workflow.case_request_acceptance(case_id=case.pk, user=officer, note="施工单位报告完工，申请验收。")
        workflow.case_record_inspection(
            case_id=case.pk,
            user=officer,
            inspected_on=self.today - timedelta(days=2),
            inspectors=INSPECTORS,
            departments=DEPARTMENTS,
            findings="竣工验收：植被成活率约55%，未达到设计要求的85%；东侧边坡仍有浮石，需清除后重新验收。",
            passed=False,
        )

    def site_awaiting_acceptance(self):
        case, _site, officer = self._site_case(
            "site awaiting acceptance",
            S.AWAITING_ACCEPTANCE,
            "施工单位已报告完工，待组织竣工验收。",
            prefer=(
                lambda s: s.status == SiteStatus.AWAITING_ACCEPTANCE and self._by_contractor(0)(s),
                self._by_contractor(0),
            ),
        )
        self._advance(case, officer, S.UNDER_TREATMENT)
        self._upload(
            case,
            self.contractor_user,
            E.REPORT,
            self._pdf(case, ("工程竣工报告.pdf", "Completion report")),
            description="施工单位竣工报告",
        )
        self._upload(
            case,
            self.contractor_user,
            E.DRONE_IMAGE,
            self._photo(case, "竣工无人机航拍.jpg", days_ago=1, drone=True),
        )
        workflow.case_request_acceptance(
            case_id=case.pk, user=self.contractor_user, note="工程已按设计完工，申请竣工验收。"
        )

    def _accept(self, case, site, inspector):
        area = (site.damaged_area_ha * Decimal("0.96")).quantize(Decimal("0.01"))
        self._pass(case, inspector, "site", area=str(area), inspected_days_ago=1)

    def site_awaiting_approval(self):
        case, site, officer = self._site_case(
            "site awaiting approval",
            S.AWAITING_APPROVAL,
            "竣工验收合格，待审核人审批。",
            prefer=(self._site_status(SiteStatus.AWAITING_ACCEPTANCE),),
        )
        self._advance(case, officer, S.UNDER_TREATMENT)
        workflow.case_request_acceptance(case_id=case.pk, user=officer, note="申请竣工验收。")
        self._accept(case, site, officer)

    def site_accepted(self):
        case, site, officer = self._site_case(
            "site accepted",
            S.ACCEPTED,
            "治理工程已通过竣工验收，治理面积计入目标完成量。",
            prefer=(
                lambda s: s.county.name == PINGLU and s.status == SiteStatus.AWAITING_ACCEPTANCE,
                lambda s: s.county.name == PINGLU,
            ),
        )
        self._advance(case, officer, S.UNDER_TREATMENT)
        workflow.case_request_acceptance(case_id=case.pk, user=officer, note="申请竣工验收。")
        self._accept(case, site, officer)
        workflow.case_approve(case_id=case.pk, user=self.supervisor, reason="同意通过验收。")

    def site_accepted_by_two_supervisors(self):
        case, site, _officer = self._site_case(
            "site accepted by supervisors",
            S.ACCEPTED,
            "审核人赵丽华主持竣工验收，另一审核人审批（四眼原则）。",
            prefer=(self._site_status(SiteStatus.AWAITING_ACCEPTANCE),),
            user=self.officer,
        )
        self._advance(case, self.officer, S.UNDER_TREATMENT)
        workflow.case_request_acceptance(case_id=case.pk, user=self.officer, note="申请竣工验收。")
        self._accept(case, site, self.supervisor2)
        workflow.case_approve(case_id=case.pk, user=self.supervisor, reason="同意通过验收。")


# ---------------------------------------------------------------- rerun


_SITE_STATUS = {
    S.IDENTIFIED: SiteStatus.IDENTIFIED,
    S.SURVEYED: SiteStatus.SURVEYED,
    S.DESIGNED: SiteStatus.DESIGNED,
    S.UNDER_TREATMENT: SiteStatus.UNDER_TREATMENT,
    S.AWAITING_ACCEPTANCE: SiteStatus.AWAITING_ACCEPTANCE,
    S.AWAITING_APPROVAL: SiteStatus.AWAITING_ACCEPTANCE,
    S.ACCEPTED: SiteStatus.ACCEPTED,
}
