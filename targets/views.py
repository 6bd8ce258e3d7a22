"""The bureau's dashboard, the plan evaluation report, and the public disclosure page."""

import io
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mines.choices import FundingSource
from restoration.choices import CaseKind, FundEntryKind
from restoration.fund_selectors import fund_totals, projects_overview, shortfalls_by_county
from targets import selectors
from targets.plan import MID_TERM_END, PLAN_END, PLAN_START


def _require_bureau(user):
    if not user.is_bureau:
        raise PermissionDenied


def _county_table(progress, user):
    from mines.models import County

    counties = list(County.objects.visible_to(user)) if user is not None else list(County.objects.all())
    if user is not None and not user.sees_all_counties and user.is_bureau:
        counties = [c for c in counties if c in set(user.counties.all())]
    return {
        "counties": counties,
        "rows": [(p, [p.by_county.get(c) for c in counties]) for p in progress],
    }


def _chart_data(progress, projects, today):
    """What the charts draw, as plain numbers (the page passes it to ECharts as JSON)."""
    by_code = {p.code: p for p in progress}
    area, zones = by_code["historical_area"], by_code["three_zones"]
    years = [year for year, _value in area.burn_up(today)]
    counties = sorted({c for p in progress for c in p.by_county}, key=lambda c: c.code)
    return {
        "burnup": {
            "years": years,
            "series": [
                {
                    "name": str(area.target.label),
                    "values": [float(v) for _y, v in area.burn_up(today)],
                    "goal": float(area.target.goal),
                },
                {
                    "name": str(zones.target.label),
                    "values": [float(v) for _y, v in zones.burn_up(today)],
                    "goal": float(zones.target.goal),
                },
            ],
            "unit": "km²",
            "goal_label": _("2025 target"),
            "link": reverse("site-list") + "?status=accepted",
        },
        "counties": {
            "names": [str(c) for c in counties],
            "ids": [c.pk for c in counties],
            "series": [
                {"name": str(p.target.label), "values": [float(p.by_county.get(c, 0)) for c in counties]}
                for p in (area, by_code["historical_sites"])
            ],
            "units": ["km²", _("sites")],
            "link": reverse("site-list") + "?status=accepted&county=",
        },
        "projects": {
            "codes": [f.project.code for f in projects["finance"]],
            "ids": [f.project.pk for f in projects["finance"]],
            "budget": [float(f.budget_total / 10000) for f in projects["finance"]],
            "disbursed": [float(f.disbursed_total / 10000) for f in projects["finance"]],
            "labels": {"budget": _("Budget (10⁴ yuan)"), "disbursed": _("Disbursed (10⁴ yuan)")},
            "link": "/projects/",
        },
    }


@login_required
@require_GET
def dashboard(request):
    _require_bureau(request.user)
    today = timezone.localdate()
    progress = selectors.progress(user=request.user)
    projects = projects_overview(user=request.user)
    shortfalls = shortfalls_by_county(user=request.user)
    return render(
        request,
        "targets/dashboard.html",
        {
            "progress": progress,
            "cases": selectors.case_counts(user=request.user, today=today),
            "funds": fund_totals(user=request.user),
            "shortfall_count": sum(len(g.funds) for g in shortfalls),
            "shortfall_total": sum((g.total for g in shortfalls), Decimal("0")),
            "projects": projects,
            "chart_data": _chart_data(progress, projects, today),
            "county_table": _county_table(progress, request.user),
            "today": today,
            "plan_end": PLAN_END,
        },
    )


def _period(request):
    """(since, until, label) from ?period=YYYY | mid | plan, or ?from=&to=."""
    today = timezone.localdate()
    choice = request.GET.get("period", "")
    if choice == "mid":
        return PLAN_START, MID_TERM_END, _("Mid-term evaluation (2021–2023)")
    if choice == "plan":
        return PLAN_START, min(PLAN_END, today), _("The whole plan period (2021–2025)")
    if choice.isdigit() and 2000 <= int(choice) <= today.year:
        year = int(choice)
        return date(year, 1, 1), min(date(year, 12, 31), today), _("Annual evaluation %(year)d") % {"year": year}
    try:
        since = date.fromisoformat(request.GET.get("from", ""))
        until = date.fromisoformat(request.GET.get("to", ""))
        if since <= until:
            return since, until, _("%(from)s to %(to)s") % {"from": since, "to": until}
    except ValueError:
        pass
    year = today.year - 1
    return date(year, 1, 1), date(year, 12, 31), _("Annual evaluation %(year)d") % {"year": year}


def _evaluation_context(request):
    since, until, label = _period(request)
    progress = selectors.progress(user=request.user, since=PLAN_START, until=until)
    in_period = selectors.progress(user=request.user, since=since, until=until)
    return {
        "since": since,
        "until": until,
        "label": label,
        "progress": list(zip(progress, in_period, strict=True)),
        "activity": selectors.activity(user=request.user, since=since, until=until),
        "kinds": CaseKind.choices,
        "fund_kinds": FundEntryKind.choices,
        "sources": FundingSource.choices,
        "years": list(range(PLAN_START.year, timezone.localdate().year + 1)),
        "chart_data": _chart_data(progress, projects_overview(user=request.user), until),
        "county_table": _county_table(progress, request.user),
        "printed_at": timezone.localtime(),
    }


@login_required
@require_GET
def evaluation(request):
    """规划实施评估: yearly or mid-term figures, tables and charts; printable, or as Excel."""
    _require_bureau(request.user)
    context = _evaluation_context(request)
    if request.GET.get("format") == "xlsx":
        return _evaluation_xlsx(context)
    return render(request, "targets/evaluation.html", context)


def _evaluation_xlsx(context) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Targets"))[:31]
    sheet.append([str(context["label"]), f"{context['since']} – {context['until']}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(
        [
            str(h)
            for h in (_("Target"), _("Goal"), _("Unit"), _("Since 2021"), _("Share of the goal"), _("In the period"))
        ]
    )
    for cumulative, period in context["progress"]:
        sheet.append(
            [
                str(cumulative.target.label),
                float(cumulative.target.goal),
                cumulative.target.unit,
                float(cumulative.value),
                float(cumulative.percent),
                float(period.value),
            ]
        )
    counties = book.create_sheet(str(_("By county"))[:31])
    names = sorted({c for p, _q in context["progress"] for c in p.by_county}, key=lambda c: c.code)
    counties.append([str(_("Target"))] + [str(c) for c in names])
    for cumulative, _period in context["progress"]:
        counties.append([str(cumulative.target.label)] + [float(cumulative.by_county.get(c, 0)) for c in names])
    burn = book.create_sheet(str(_("Burn-up"))[:31])
    data = context["chart_data"]["burnup"]
    burn.append([str(_("Year"))] + [s["name"] for s in data["series"]])
    for i, year in enumerate(data["years"]):
        burn.append([year] + [s["values"][i] for s in data["series"]])
    chart = LineChart()
    chart.title = str(_("Restored area since 2021 (km²)"))
    chart.add_data(
        Reference(burn, min_col=2, max_col=3, min_row=1, max_row=len(data["years"]) + 1), titles_from_data=True
    )
    chart.set_categories(Reference(burn, min_col=1, min_row=2, max_row=len(data["years"]) + 1))
    burn.add_chart(chart, "E2")
    act = book.create_sheet(str(_("Activity"))[:31])
    activity = context["activity"]
    act.append([str(_("Kind of case")), str(_("Cases opened")), str(_("Cases closed"))])
    for code, label in context["kinds"]:
        act.append([str(label), activity["opened"].get(code, 0), activity["closed"].get(code, 0)])
    act.append([])
    act.append(
        [str(_("Inspections")), activity["inspections"]["n"], str(_("passed")), activity["inspections"]["passed"]]
    )
    act.append([str(_("Rectification orders issued")), activity["orders"]])
    act.append([str(_("Deadlines missed")), activity["overdue"]])
    act.append([])
    act.append([str(_("Fund movements (yuan)"))])
    for code, label in context["fund_kinds"]:
        act.append([str(label), float(activity["fund_by_kind"].get(code, 0) or 0)])
    act.append([])
    act.append([str(_("Key-project disbursements (yuan)"))])
    for code, label in context["sources"]:
        act.append([str(label), float(activity["disbursed_by_source"].get(code, 0) or 0)])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"evaluation-{context['since']:%Y%m%d}-{context['until']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


DISCLOSURE_SECONDS = 300


@require_GET
def disclosure(request):
    """社会公示 (plan ch.5 三(二)): inspection results, the green-mine list and target progress.

    Public, no login, no personal data and no files. The page has no form and no CSRF token and
    carries nobody's name, so one rendering per language is cached and served to everyone for five
    minutes (`?lang=en` switches the language for this page and remembers it in the cookie).
    """
    language = request.GET.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    key = f"disclosure:{language}"
    html = cache.get(key)
    if html is None:
        with translation.override(language):
            html = render_to_string(
                "targets/disclosure.html",
                {
                    "progress": selectors.public_progress(),
                    "inspections": selectors.public_inspections(),
                    "green": selectors.public_green_list(),
                    "updated_at": timezone.localtime(),
                    "language": language,
                    "languages": settings.LANGUAGES,
                },
            )
        cache.set(key, html, DISCLOSURE_SECONDS)
    response = HttpResponse(html)
    response["Cache-Control"] = f"public, max-age={DISCLOSURE_SECONDS}"
    response["Content-Language"] = language
    if request.GET.get("lang") == language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=not settings.DEBUG)
    return response
