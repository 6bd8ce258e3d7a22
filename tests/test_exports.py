"""Every list exports to CSV and Excel exactly what it shows the user: the same scope, filters,
search and ordering, every page; Chinese headers; streamed; a fixed number of queries."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from mines import exports
from mines.models import Company, GreenMineListing
from restoration.choices import CaseKind
from restoration.models import Receivable
from restoration.services import funds, workflow
from tests.conftest import make_company, make_mine, make_site

LISTS = ["mine-list", "site-list", "project-list", "company-list", "case-list", "fund-list", "receivable-list"]


def body(response) -> bytes:
    if isinstance(response, StreamingHttpResponse | FileResponse):
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM so Excel reads the Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(body(response)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def exported(client, url_name, params=None, fmt="csv"):
    response = client.get(reverse(url_name), {**(params or {}), "export": fmt})
    assert response.status_code == 200, response
    return csv_rows(response) if fmt == "csv" else xlsx_rows(response)


def listed(client, url_name, params=None):
    """Every row the list shows over all its pages (the paginator's whole queryset)."""
    response = client.get(reverse(url_name), params or {})
    assert response.status_code == 200
    return list(response.context["paginator"].object_list)


@pytest.fixture
def world(mine_a, mine_b, site_in_project, site_elsewhere, project, company_a, company_b, shuocheng, pinglu):
    """Mines of both companies in two counties, coal and non-coal, and sites in and out of the project."""
    make_mine(company_a, shuocheng, name="甲二号煤矿", mineral="coal", mining_method="underground", design_capacity=300)
    make_mine(company_b, pinglu, name="乙二号煤矿", mineral="coal", mining_method="underground", design_capacity=150)
    make_mine(company_b, shuocheng, name="乙三号灰岩矿", production_status="suspended")
    GreenMineListing.objects.create(mine=mine_a, level="national", listed_on="2020-01-01")
    make_site(pinglu, key_project=project, name="工程内二号")
    return True


ROLES = ["officer", "county_officer", "company_user", "contractor_user"]
MINE_FILTERS = [{}, {"category": "coal"}, {"o": "-name"}, {"q": "乙", "o": "capacity"}]
SITE_FILTERS = [{}, {"county": None}, {"o": "-damaged"}]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("params", MINE_FILTERS)
@pytest.mark.parametrize("role", ROLES)
def test_the_mine_export_has_exactly_the_rows_the_list_shows_for_each_role(request, client, world, role, params, fmt):
    client.force_login(request.getfixturevalue(role))
    shown = [m.licence_no for m in listed(client, "mine-list", params)]
    rows = exported(client, "mine-list", params, fmt)
    assert rows[0][0] == "采矿许可证号"
    assert [r[0] for r in rows[1:]] == shown


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("params", SITE_FILTERS)
@pytest.mark.parametrize("role", ROLES)
def test_the_site_export_has_exactly_the_rows_the_list_shows_for_each_role(
    request, client, world, pinglu, role, params, fmt
):
    params = {k: (pinglu.pk if v is None else v) for k, v in params.items()}
    client.force_login(request.getfixturevalue(role))
    shown = [s.code for s in listed(client, "site-list", params)]
    rows = exported(client, "site-list", params, fmt)
    assert [r[0] for r in rows[1:]] == shown


@pytest.fixture
def money_world(world, mine_a, mine_b, officer, company_user, shuocheng, site_elsewhere):
    fund_a = funds.fund_account_for(mine_a)
    funds.fund_account_for(mine_b)
    funds.fund_record(account_id=fund_a.pk, user=officer, kind="deposit", amount=Decimal("1234567.80"))
    case = workflow.case_open(user=company_user, kind=CaseKind.CLOSURE, mine=mine_a)
    workflow.case_open(user=officer, kind=CaseKind.HISTORICAL_SITE, site=site_elsewhere)
    Receivable.objects.create(case=case, company=mine_a.company, amount=Decimal("5000.50"))
    return True


FIRST_COLUMN = {
    "mine-list": lambda m: m.licence_no,
    "site-list": lambda s: s.code,
    "project-list": lambda p: p.code,
    "company-list": lambda c: c.name,
    "case-list": lambda c: c.number,
    "fund-list": lambda row: row.account.mine.name,
    "receivable-list": lambda r: r.company.name,
}


def everything_listed(page, url_name) -> list[str]:
    """The first column of every row the page lists, over all its pages."""
    if "paginator" in page.context:
        rows = page.context["paginator"].object_list
    elif url_name == "fund-list":
        rows = page.context["rows"]
    else:
        rows = page.context["receivables"]
    return [str(FIRST_COLUMN[url_name](row)) for row in rows]


@pytest.mark.parametrize("url_name", LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_every_list_exports_its_rows_for_each_role_in_both_formats(request, client, money_world, role, url_name):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse(url_name))
    if page.status_code != 200:
        assert client.get(reverse(url_name), {"export": "csv"}).status_code == page.status_code
        return
    shown = everything_listed(page, url_name)
    as_csv = exported(client, url_name, fmt="csv")
    as_xlsx = exported(client, url_name, fmt="xlsx")
    assert [r[0] for r in as_csv[1:]] == [str(r[0]) for r in as_xlsx[1:]] == shown
    assert as_csv[0] == [str(h) for h in as_xlsx[0]]
    assert all("\u4e00" <= h[0] <= "\u9fff" for h in as_csv[0]), as_csv[0]  # Chinese headers


@pytest.mark.parametrize("url_name", LISTS)
def test_every_list_page_links_to_both_exports_with_its_current_filters(client, officer, money_world, url_name):
    client.force_login(officer)
    page = client.get(reverse(url_name), {"q": "甲", "page": "1"}).content.decode()
    assert "导出 Excel" in page or "Export Excel" in page
    assert "q=%E7%94%B2&amp;export=xlsx" in page and "q=%E7%94%B2&amp;export=csv" in page
    assert "page=1&amp;export" not in page


def test_the_mine_export_has_chinese_headers_dates_numbers_and_labels(client, officer, world, mine_a):
    mine_a.licence_valid_from = date(2020, 1, 1)
    mine_a.licence_valid_to = date(2030, 12, 31)
    mine_a.area_km2 = Decimal("1.2345")
    mine_a.design_capacity = Decimal("1234.5")
    mine_a.save()
    client.force_login(officer)
    rows = exported(client, "mine-list", {"q": mine_a.licence_no}, "xlsx")
    assert rows[0] == [
        "采矿许可证号",
        "名称",
        "矿业权人",
        "统一社会信用代码",
        "区县",
        "矿种",
        "开采方式",
        "发证机关级别",
        "生产规模",
        "设计生产能力",
        "生产状态",
        "许可证有效期起",
        "许可证有效期止",
        "经度",
        "纬度",
        "矿区面积（平方千米）",
        "规划分区",
        "土地复垦方案已备案",
        "绿色矿山",
    ]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["名称"] == "甲一号矿" and row["区县"] == "朔城区" and row["矿业权人"] == "甲矿业有限公司"
    assert row["矿种"] == "建筑石料用灰岩" and row["开采方式"] == "露天开采" and row["生产状态"] == "生产"
    assert row["许可证有效期起"] == datetime(2020, 1, 1)  # a real date cell, not text
    assert row["设计生产能力"] == 1234.5 and row["经度"] == 112.43
    assert row["绿色矿山"] == "是" and row["土地复垦方案已备案"] == "否"

    book = load_workbook(io.BytesIO(body(client.get(reverse("mine-list"), {"q": mine_a.licence_no, "export": "xlsx"}))))
    sheet = book.worksheets[0]
    assert sheet["J2"].number_format == "#,##0.00" and sheet["J2"].data_type == "n"
    assert sheet["L2"].is_date and sheet["N2"].number_format == "0.000000"

    as_csv = dict(zip(*exported(client, "mine-list", {"q": mine_a.licence_no}, "csv"), strict=True))
    assert as_csv["设计生产能力"] == "1234.50" and as_csv["许可证有效期起"] == "2020-01-01"


def test_money_is_a_number_with_two_places(client, officer, money_world, mine_a):
    client.force_login(officer)
    book = load_workbook(io.BytesIO(body(client.get(reverse("fund-list"), {"export": "xlsx"}))))
    sheet = book.worksheets[0]
    balances = {row[0].value: row[4] for row in sheet.iter_rows(min_row=2)}
    cell = balances[mine_a.name]
    assert cell.value == 1234567.8 and cell.number_format == "#,##0.00"
    assert dict(zip(*exported(client, "fund-list", {"q": mine_a.name}), strict=True))["余额（元）"] == "1234567.80"


def test_the_english_interface_exports_english_headers_and_labels(client, officer, world):
    client.force_login(officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    rows = exported(client, "mine-list", {"category": "coal"})
    assert rows[0][:3] == ["Licence number", "Name", "Mining-rights holder"]
    assert {r[5] for r in rows[1:]} == {"Coal"}
    assert {r[4] for r in rows[1:]} <= {"Shuocheng District", "Pinglu District"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"company": "OTHER"},
        {"county": "PINGLU"},
        {"q": "乙"},
        {"q": "LICENCE_B"},
        {"o": "-name", "page": "2"},
        {"company": "OTHER", "county": "PINGLU", "category": "coal"},
    ],
)
@pytest.mark.parametrize("url_name", ["mine-list", "case-list", "fund-list", "receivable-list", "company-list"])
def test_a_company_user_cannot_export_another_companys_rows_by_any_parameter(
    client, company_user, money_world, company_b, mine_b, pinglu, url_name, params
):
    lookup = {"OTHER": str(company_b.pk), "PINGLU": str(pinglu.pk), "LICENCE_B": mine_b.licence_no}
    params = {k: lookup.get(v, v) for k, v in params.items()}
    client.force_login(company_user)
    for fmt in ("csv", "xlsx"):
        text = "\n".join(",".join(str(c) for c in row) for row in exported(client, url_name, params, fmt))
        assert company_b.name not in text and mine_b.name not in text and mine_b.licence_no not in text


def _queries(client, url_name, fmt):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(url_name), {"export": fmt})
        assert response.status_code == 200
        body(response)  # the queries of a streamed response run while it is read
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url_name", LISTS)
def test_an_export_runs_the_same_number_of_queries_for_10_and_200_rows(
    client, officer, shuocheng, project, company_user, url_name, fmt
):
    client.force_login(officer)

    def add(n):
        for _ in range(n):
            company = make_company()
            mine = make_mine(company, shuocheng)
            make_site(shuocheng, key_project=project)
            funds.fund_account_for(mine)
            case = workflow.case_open(user=officer, kind=CaseKind.CLOSURE, mine=mine)
            Receivable.objects.create(case=case, company=company, amount=Decimal("10.00"))
            GreenMineListing.objects.create(mine=mine, level="city", listed_on="2021-01-01")

    add(10)
    few = _queries(client, url_name, fmt)
    add(190)
    many = _queries(client, url_name, fmt)
    assert few == many


def test_the_csv_export_is_streamed_with_a_chinese_file_name(client, officer, world):
    client.force_login(officer)
    response = client.get(reverse("mine-list"), {"export": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''%E7%9F%BF%E5%B1%B1-" in disposition  # 矿山-
    assert disposition.endswith(".csv")


def test_the_xlsx_export_is_a_file_built_on_disk_with_a_chinese_file_name(client, officer, world):
    client.force_login(officer)
    response = client.get(reverse("site-list"), {"export": "xlsx"})
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert "filename*=utf-8''%E5%8E%86%E5%8F%B2%E9%81%97%E7%95%99%E7%9F%BF%E5%B1%B1-" in response["Content-Disposition"]
    assert body(response).startswith(b"PK")


def test_an_xlsx_export_beyond_excels_row_limit_is_refused_with_a_message_suggesting_csv(
    client, officer, world, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    client.force_login(officer)
    response = client.get(reverse("mine-list"), {"mineral": "construction_limestone", "o": "name", "export": "xlsx"})
    assert response.status_code == 302 and response["Location"] == "?mineral=construction_limestone&o=name"
    page = client.get(reverse("mine-list") + response["Location"]).content.decode()
    assert "CSV" in page and "message error" in page
    assert len(exported(client, "mine-list", {"mineral": "construction_limestone"}, "csv")) == 1 + 3  # no cap
    assert len(exported(client, "mine-list", {"category": "coal"}, "xlsx")) == 1 + 2  # within the cap


def test_text_that_looks_like_a_formula_is_exported_as_text(client, officer, shuocheng):
    company = make_company('=HYPERLINK("http://evil.example","点击")')
    make_mine(company, shuocheng)
    client.force_login(officer)
    as_csv = exported(client, "company-list", {}, "csv")
    assert as_csv[1][0].startswith("'=HYPERLINK")
    book = load_workbook(io.BytesIO(body(client.get(reverse("company-list"), {"export": "xlsx"}))))
    cell = book.worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_fund_export_follows_the_shortfall_filter(client, officer, money_world, mine_a, mine_b):
    client.force_login(officer)
    shown = [row.account.mine.name for row in client.get(reverse("fund-list"), {"short": "yes"}).context["rows"]]
    assert [r[0] for r in exported(client, "fund-list", {"short": "yes"})[1:]] == shown
    everything = [r[0] for r in exported(client, "fund-list", {}, "xlsx")[1:]]
    assert set(everything) == {mine_a.name, mine_b.name}


def test_an_unknown_export_format_shows_the_page(client, officer, world):
    client.force_login(officer)
    response = client.get(reverse("mine-list"), {"export": "pdf"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_an_anonymous_user_is_sent_to_log_in(client, world):
    response = client.get(reverse("mine-list"), {"export": "csv"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert Company.objects.exists()
