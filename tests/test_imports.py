"""Importing mines and historical sites from Excel or CSV: upload, a preview that marks every bad
cell with the reason, then all rows in one transaction or none; re-importing changes nothing."""

import csv
import io
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from mines import imports
from mines.models import HistoricalSite, Mine
from tests.conftest import make_company, make_mine, make_site
from tests.factories import png_file
from tests.test_e2e_closure import browser  # noqa: F401  (the fixture, for the browser test)

MINE_HEADERS = [
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
]


def mine_row(company, licence, **changes):
    row = {
        "采矿许可证号": licence,
        "名称": f"导入矿山{licence[-3:]}",
        "矿业权人": company.name,
        "统一社会信用代码": company.credit_code,
        "区县": "朔城区",
        "矿种": "建筑石料用灰岩",
        "开采方式": "露天开采",
        "发证机关级别": "市级",
        "生产规模": "小型",
        "设计生产能力": 30,
        "生产状态": "生产",
        "许可证有效期起": date(2021, 1, 1),
        "许可证有效期止": date(2031, 1, 1),
        "经度": 112.43,
        "纬度": 39.33,
        "矿区面积（平方千米）": 0.5,
        "规划分区": "",
        "土地复垦方案已备案": "是",
    }
    row.update(changes)
    return row


def xlsx_file(rows, headers=MINE_HEADERS, name="矿山.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def csv_file(rows, headers=MINE_HEADERS, name="矿山.csv", encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def upload(client, file, kind="mines"):
    """Upload and follow to the preview; the response of the preview page."""
    url = reverse("mine-import" if kind == "mines" else "site-import")
    response = client.post(url, {"file": file})
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def confirm(client, preview):
    return client.post(preview.request["PATH_INFO"], {"action": "import", "plan": preview.context["plan"].fingerprint})


def cell_errors(preview) -> dict[tuple[int, str], list[str]]:
    """{(row number, column name): reasons} of the preview."""
    out = {}
    for row in preview.context["plan"].rows:
        for name, messages in row.cell_errors.items():
            out[(row.number, name)] = messages
    return out


@pytest.fixture
def importer_client(client, officer, counties):
    client.force_login(officer)
    return client


# ---------------------------------------------------------------- the happy path


def test_a_good_file_previews_every_row_then_imports_all_of_them(importer_client, company_a):
    file = xlsx_file([mine_row(company_a, "C1406002021000101"), mine_row(company_a, "C1406002021000102")])
    preview = upload(importer_client, file)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.ok and plan.counts == {"new": 2, "update": 0, "unchanged": 0, "error": 0}
    assert [row.number for row in plan.rows] == [2, 3]  # the rows as Excel numbers them
    page = preview.content.decode()
    assert "C1406002021000101" in page and "导入矿山102" in page
    assert Mine.objects.count() == 0, "the preview writes nothing"

    response = confirm(importer_client, preview)
    assert response.status_code == 302 and response["Location"] == reverse("mine-list")
    mine = Mine.objects.get(licence_no="C1406002021000101")
    assert mine.company == company_a and mine.county.name == "朔城区"
    assert mine.mineral == "construction_limestone" and mine.licensing_level == "city"
    assert mine.design_capacity == Decimal("30") and mine.licence_valid_from == date(2021, 1, 1)
    assert mine.land_reclamation_plan_filed is True
    assert Mine.objects.count() == 2
    assert not list_kept(plans=True)


def test_english_headers_and_labels_in_a_csv_are_accepted(importer_client, company_a, shuocheng):
    english = {
        "采矿许可证号": "Licence number",
        "名称": "Name",
        "矿业权人": "Mining-rights holder",
        "统一社会信用代码": "unified social credit code",
        "区县": "County",
        "矿种": "Mineral",
        "开采方式": "Mining method",
        "发证机关级别": "licensing_level",
        "生产规模": "Scale",
        "设计生产能力": "Design capacity",
        "生产状态": "Production status",
        "经度": "Longitude",
        "纬度": "Latitude",
    }
    row = mine_row(company_a, "C1406002021000201", 区县="140602", 矿种="Coal", 开采方式="underground")
    row.update({"发证机关级别": "Province", "生产规模": "Large", "设计生产能力": "1,200", "生产状态": "Producing"})
    headers = list(english.values())
    file = csv_file([{english[k]: v for k, v in row.items() if k in english}], headers=headers)
    preview = upload(importer_client, file)
    assert preview.context["plan"].ok, cell_errors(preview)
    confirm(importer_client, preview)
    mine = Mine.objects.get(licence_no="C1406002021000201")
    assert (mine.mineral, mine.mining_method, mine.county, mine.design_capacity) == (
        "coal",
        "underground",
        shuocheng,
        Decimal("1200"),
    )


def test_re_importing_the_same_file_changes_nothing(importer_client, company_a):
    rows = [mine_row(company_a, "C1406002021000301"), mine_row(company_a, "C1406002021000302")]
    confirm(importer_client, upload(importer_client, xlsx_file(rows)))
    before = dict(Mine.objects.values_list("licence_no", "updated_at"))

    preview = upload(importer_client, xlsx_file(rows))
    assert preview.context["counts"] == {"new": 0, "update": 0, "unchanged": 2, "error": 0}
    assert "无变化" in preview.content.decode() or "unchanged" in preview.content.decode()
    response = confirm(importer_client, preview)
    assert response.status_code == 302
    assert dict(Mine.objects.values_list("licence_no", "updated_at")) == before
    assert Mine.objects.count() == 2


def test_a_changed_cell_updates_only_its_row(importer_client, company_a):
    rows = [mine_row(company_a, "C1406002021000401"), mine_row(company_a, "C1406002021000402")]
    confirm(importer_client, upload(importer_client, xlsx_file(rows)))
    untouched = Mine.objects.get(licence_no="C1406002021000402").updated_at
    rows[0]["生产状态"] = "停产"
    preview = upload(importer_client, csv_file(rows))
    assert preview.context["counts"] == {"new": 0, "update": 1, "unchanged": 1, "error": 0}
    assert preview.context["plan"].rows[0].changed == ["production_status"]
    assert "cell-changed" in preview.content.decode()
    confirm(importer_client, preview)
    assert Mine.objects.get(licence_no="C1406002021000401").production_status == "suspended"
    assert Mine.objects.get(licence_no="C1406002021000402").updated_at == untouched


def test_an_export_of_the_list_imports_back_unchanged(importer_client, officer, company_a, shuocheng, pinglu):
    make_mine(company_a, shuocheng, licence_valid_from=date(2020, 5, 1), area_km2=Decimal("1.2345"))
    make_mine(company_a, pinglu, mineral="coal", mining_method="underground", design_capacity=Decimal("150.5"))
    for fmt in ("xlsx", "csv"):
        response = importer_client.get(reverse("mine-list"), {"export": fmt})
        content = b"".join(response.streaming_content)
        preview = upload(importer_client, SimpleUploadedFile(f"矿山导出.{fmt}", content))
        assert preview.context["counts"] == {"new": 0, "update": 0, "unchanged": 2, "error": 0}, cell_errors(preview)
        assert preview.context["plan"].ignored == []


def test_columns_left_out_keep_their_values(importer_client, company_a, shuocheng):
    mine = make_mine(company_a, shuocheng, area_km2=Decimal("2.5"))
    file = csv_file([{"采矿许可证号": mine.licence_no, "生产状态": "停产"}], ["采矿许可证号", "生产状态"])
    preview = upload(importer_client, file)
    assert preview.context["counts"]["update"] == 1, cell_errors(preview)
    confirm(importer_client, preview)
    mine.refresh_from_db()
    assert mine.production_status == "suspended" and mine.area_km2 == Decimal("2.5") and mine.company == company_a


# ---------------------------------------------------------------- bad rows


def test_bad_rows_are_marked_cell_by_cell_with_the_reason_and_nothing_is_imported(importer_client, company_a):
    good = mine_row(company_a, "C1406002021000501")
    rows = [
        good,
        mine_row(company_a, "C1406002021000502", 区县="大同市"),
        mine_row(company_a, "C1406002021000503", 矿种="金子"),
        mine_row(company_a, "C1406002021000504", 统一社会信用代码="91140602MA0000000X"),
        mine_row(company_a, "C1406002021000501"),  # the licence number again
        mine_row(company_a, "C1406002021000506", 经度=115.2),
        mine_row(company_a, "C1406002021000507", **{"矿区面积（平方千米）": -1}),
        mine_row(company_a, "C1406002021000508", 生产状态="基建", 设计生产能力=20),
        mine_row(company_a, "C1406002021000509", 名称=""),
        mine_row(company_a, "C1406002021000510", 许可证有效期起="2021-13-45"),
        mine_row(company_a, "C1406002021000511", 统一社会信用代码="91140602MA0000001Y"),
    ]
    preview = upload(importer_client, xlsx_file(rows))
    assert preview.status_code == 200
    errors = cell_errors(preview)
    assert "大同市" in errors[(3, "county")][0]
    assert "金子" in errors[(4, "mineral")][0] and "煤" in errors[(4, "mineral")][0]
    assert "统一社会信用代码" in errors[(5, "company")][0]
    assert "2" in errors[(6, "licence_no")][0]  # already on row 2
    assert "朔州" in errors[(7, "longitude")][0]
    assert "0" in errors[(8, "area_km2")][0]
    assert "50" in errors[(9, "design_capacity")][0]  # the plan's minimum scale for limestone
    assert errors[(10, "name")] == ["该字段是必填项。"]
    assert (11, "licence_valid_from") in errors
    assert (12, "company") in errors
    plan = preview.context["plan"]
    assert plan.counts["error"] == 10 and plan.counts["new"] == 1 and not plan.ok
    page = preview.content.decode()
    assert page.count('class="cell-bad"') == 10
    assert "disabled" in page.split('value="import"')[1].split(">")[0]

    response = confirm(importer_client, preview)
    assert response.status_code == 400
    assert Mine.objects.count() == 0, "not even the good row"


def test_a_holder_must_be_registered_and_its_name_must_match_the_code(importer_client, company_a):
    rows = [
        mine_row(company_a, "C1406002021000601", 矿业权人="别的公司"),
        mine_row(company_a, "C1406002021000602", 统一社会信用代码=company_a.credit_code.lower()),
    ]
    preview = upload(importer_client, csv_file(rows))
    errors = cell_errors(preview)
    assert company_a.name in errors[(2, "company_name")][0]
    assert (3, "company") not in errors  # the case of the code does not matter


def test_a_county_officer_cannot_import_rows_outside_their_counties(client, county_officer, company_a, pinglu):
    mine_elsewhere = make_mine(make_company(), pinglu.__class__.objects.get(name="朔城区"))
    own = make_mine(company_a, pinglu)  # makes company_a visible to the Pinglu officer
    client.force_login(county_officer)
    rows = [
        mine_row(company_a, "C1406002021000701", 区县="平鲁区"),
        mine_row(company_a, "C1406002021000702", 区县="朔城区"),
        mine_row(company_a, mine_elsewhere.licence_no, 区县="平鲁区"),
        mine_row(company_a, own.licence_no, 区县="朔城区"),
    ]
    preview = upload(client, xlsx_file(rows))
    errors = cell_errors(preview)
    assert (2, "county") not in errors
    assert len(errors[(3, "county")]) == 1  # outside your counties
    assert (4, "licence_no") in errors
    assert (5, "county") in errors
    assert preview.context["counts"]["error"] == 3
    assert confirm(client, preview).status_code == 400
    assert not Mine.objects.filter(licence_no="C1406002021000701").exists()
    mine_elsewhere.refresh_from_db()
    assert mine_elsewhere.county.name == "朔城区"


@pytest.mark.parametrize("user_fixture", ["company_user", "contractor_user"])
def test_a_company_or_contractor_user_gets_403(client, request, user_fixture, company_a):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("mine-import")).status_code == 403
    assert client.get(reverse("site-import")).status_code == 403
    assert client.post(reverse("mine-import"), {"file": xlsx_file([mine_row(company_a, "C1")])}).status_code == 403
    assert client.get(reverse("import-template", args=["mines", "xlsx"])).status_code == 403
    assert client.get(reverse("import-preview", args=["mines", "whatever"])).status_code == 403
    assert "导入矿山" not in client.get(reverse("mine-list")).content.decode()


def test_the_mine_list_links_to_the_import_for_officers_and_supervisors(client, officer, supervisor):
    for user in (officer, supervisor):
        client.force_login(user)
        assert reverse("mine-import") in client.get(reverse("mine-list")).content.decode()
        assert reverse("site-import") in client.get(reverse("site-list")).content.decode()
        assert client.get(reverse("mine-import")).status_code == 200


# ---------------------------------------------------------------- bad files


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("矿山.xlsx", EXE, "Windows"),
        ("矿山.xlsx", png_file().read(), "PNG"),
        ("矿山.csv", png_file().read(), "PNG"),
        ("矿山.csv", EXE, "Windows"),
        ("矿山.xlsx", "采矿许可证号,名称\n".encode(), ".xlsx"),
        ("矿山.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xlsx"),
        ("矿山.exe", EXE, ".xlsx"),
        ("矿山.csv", "采矿许可证号,名称\nC1,测试\n".encode("gbk"), "UTF-8"),
        ("矿山.xlsx", b"PK\x03\x04garbage", "矿山.xlsx"),
        ("矿山.csv", b"", "空"),
    ],
)
def test_a_file_that_is_not_really_xlsx_or_csv_is_refused_with_the_reason(importer_client, name, content, says):
    response = importer_client.post(reverse("mine-import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert says in " ".join(errors), errors
    assert not list_kept()


def list_kept(*, plans=False):
    """The uploads kept between preview and import (and with plans=True, the saved previews)."""
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "imports"
    files = list(folder.iterdir()) if folder.exists() else []
    return [f for f in files if plans or not f.name.endswith(".plan.json")]


def test_a_zip_that_is_not_a_workbook_is_refused(importer_client):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = importer_client.post(reverse("mine-import"), {"file": SimpleUploadedFile("矿山.xlsx", out.getvalue())})
    assert response.status_code == 400 and "Excel" in str(response.context["form"].errors["file"])


def test_a_file_over_10_mb_is_refused(importer_client, company_a):
    big = csv_file([mine_row(company_a, "C1406002021000801", 名称="矿" * (11 * 1024 * 1024 // 3))])
    assert big.size > imports.MAX_BYTES
    response = importer_client.post(reverse("mine-import"), {"file": big})
    assert response.status_code == 400 and "10" in " ".join(response.context["form"].errors["file"])


def test_a_file_with_too_many_rows_is_refused(importer_client, company_a, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [mine_row(company_a, f"C14060020210009{n:02d}") for n in range(4)]
    response = upload(importer_client, csv_file(rows))
    assert response.status_code == 400 and "3" in response.context["refused"]
    assert not list_kept()


def test_a_file_without_the_key_column_is_refused(importer_client, company_a):
    response = upload(importer_client, csv_file([{"名称": "某矿"}], ["名称", "区县"]))
    assert response.status_code == 400 and "采矿许可证号" in response.context["refused"]


def test_unknown_columns_are_listed_and_ignored(importer_client, company_a):
    row = mine_row(company_a, "C1406002021001001")
    row["备注"] = "随便写点"
    preview = upload(importer_client, csv_file([row], [*MINE_HEADERS, "备注"]))
    assert preview.context["plan"].ignored == ["备注"] and preview.context["plan"].ok


# ---------------------------------------------------------------- the kept file


def test_the_kept_file_belongs_to_the_session_that_uploaded_it(client, officer, supervisor, company_a):
    client.force_login(officer)
    preview = upload(client, xlsx_file([mine_row(company_a, "C1406002021001101")]))
    url = preview.request["PATH_INFO"]
    assert len(list_kept()) == 1
    client.force_login(supervisor)  # another session
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "import"}).status_code == 404
    assert Mine.objects.count() == 0


def test_a_kept_file_changed_on_disk_is_refused(importer_client, company_a):
    preview = upload(importer_client, xlsx_file([mine_row(company_a, "C1406002021001201")]))
    [kept] = list_kept()
    kept.write_bytes(xlsx_file([mine_row(company_a, "C1406002021009999")]).read())
    assert confirm(importer_client, preview).status_code == 404
    assert Mine.objects.count() == 0 and not list_kept()


def test_the_file_is_deleted_after_the_import_and_on_cancel(importer_client, company_a):
    preview = upload(importer_client, xlsx_file([mine_row(company_a, "C1406002021001301")]))
    assert len(list_kept()) == 1 and len(list_kept(plans=True)) == 2
    confirm(importer_client, preview)
    assert not list_kept(plans=True)
    preview = upload(importer_client, xlsx_file([mine_row(company_a, "C1406002021001302")]))
    response = importer_client.post(preview.request["PATH_INFO"], {"action": "cancel"})
    assert response.status_code == 302 and not list_kept(plans=True)
    assert importer_client.get(preview.request["PATH_INFO"]).status_code == 404
    assert not Mine.objects.filter(licence_no="C1406002021001302").exists()


def test_a_confirmation_after_the_records_changed_imports_nothing_and_shows_the_new_preview(
    importer_client, company_a, shuocheng
):
    preview = upload(importer_client, xlsx_file([mine_row(company_a, "C1406002021001401")]))
    make_mine(company_a, shuocheng, licence_no="C1406002021001401", name="别人刚登记的")
    response = confirm(importer_client, preview)
    assert response.status_code == 409
    assert response.context["counts"]["update"] == 1
    assert Mine.objects.get(licence_no="C1406002021001401").name == "别人刚登记的"


# ---------------------------------------------------------------- templates and sites


@pytest.mark.parametrize("kind", ["mines", "sites"])
def test_the_template_has_the_chinese_headers_and_imports_once_filled(importer_client, kind, company_a, project):
    response = importer_client.get(reverse("import-template", args=[kind, "xlsx"]))
    disposition = response["Content-Disposition"]
    assert response.status_code == 200 and "filename*=utf-8''" in disposition
    assert ("%E7%9F%BF%E5%B1%B1" if kind == "mines" else "%E5%8E%86%E5%8F%B2") in disposition  # 矿山 / 历史
    book = load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[0] == ("采矿许可证号" if kind == "mines" else "编号")
    assert len(book.worksheets) == 2  # the data sheet and the instructions
    as_csv = importer_client.get(reverse("import-template", args=[kind, "csv"])).content
    assert as_csv.decode("utf-8-sig").strip().split(",") == headers


SITE_HEADERS = [
    "编号",
    "名称",
    "区县",
    "原开采矿种",
    "经度",
    "纬度",
    "损毁面积（公顷）",
    "破坏类型",
    "治理模式",
    "重点工程",
    "治理区",
]


def test_historical_sites_import_with_labels_codes_and_lists(importer_client, project, zone, pinglu):
    rows = [
        {
            "编号": "LS-IMP-001",
            "名称": "导入遗留矿山一",
            "区县": "平鲁区",
            "原开采矿种": "煤",
            "经度": 112.2,
            "纬度": 39.6,
            "损毁面积（公顷）": 12.5,
            "破坏类型": "地面塌陷、地裂缝",
            "治理模式": "政府主导",
            "重点工程": project.code,
            "治理区": zone.name,
        },
        {
            "编号": "LS-IMP-002",
            "名称": "导入遗留矿山二",
            "区县": "平鲁区",
            "原开采矿种": "Coal",
            "经度": 112.2,
            "纬度": 39.6,
            "损毁面积（公顷）": -3,
            "破坏类型": "地面塌陷, 飞沙走石",
            "治理模式": "政府主导",
            "重点工程": "NOPE",
            "治理区": "",
        },
    ]
    preview = upload(importer_client, xlsx_file(rows, SITE_HEADERS, "遗留矿山.xlsx"), kind="sites")
    errors = cell_errors(preview)
    assert set(errors) == {(3, "damaged_area_ha"), (3, "damage_types"), (3, "key_project")}
    rows.pop()
    preview = upload(importer_client, xlsx_file(rows, SITE_HEADERS, "遗留矿山.xlsx"), kind="sites")
    assert preview.context["plan"].ok
    confirm(importer_client, preview)
    site = HistoricalSite.objects.get(code="LS-IMP-001")
    assert site.damage_types == ["subsidence", "fissure"] and site.key_project == project and site.zone == zone
    preview = upload(importer_client, xlsx_file(rows, SITE_HEADERS, "遗留矿山.xlsx"), kind="sites")
    assert preview.context["counts"]["unchanged"] == 1


def test_a_site_export_imports_back_unchanged(importer_client, site_in_project, site_elsewhere):
    site_in_project.boundary = {
        "type": "Polygon",
        "coordinates": [[[112.2, 39.5], [112.3, 39.5], [112.3, 39.6], [112.2, 39.5]]],
    }
    site_in_project.save()
    response = importer_client.get(reverse("site-list"), {"export": "xlsx"})
    exported = SimpleUploadedFile("遗留矿山.xlsx", b"".join(response.streaming_content))
    preview = upload(importer_client, exported, "sites")
    assert preview.context["counts"] == {"new": 0, "update": 0, "unchanged": 2, "error": 0}, cell_errors(preview)


def test_the_county_officer_cannot_touch_a_site_outside_their_counties(client, county_officer, site_elsewhere):
    client.force_login(county_officer)
    rows = [{"编号": site_elsewhere.code, "名称": "改名", "区县": "平鲁区"}]
    preview = upload(client, csv_file(rows, ["编号", "名称", "区县"]), kind="sites")
    assert (2, "code") in cell_errors(preview)
    site = make_site(site_elsewhere.county)
    assert HistoricalSite.objects.get(pk=site.pk).name == site.name


# ---------------------------------------------------------------- the same validation, fast


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"longitude": Decimal("115.000000")},
        {"latitude": None, "longitude": None},
        {"area_km2": Decimal("-1")},
        {"area_km2": None},
        {"design_capacity": Decimal("0")},
        {"licence_valid_from": date(2025, 1, 1), "licence_valid_to": date(2020, 1, 1)},
        {"licence_valid_from": None, "licence_valid_to": date(2020, 1, 1)},
        {"production_status": "under_construction", "design_capacity": Decimal("20")},
        {"production_status": "under_construction", "design_capacity": Decimal("60")},
        {"production_status": "under_construction", "mineral": "coal", "mining_method": "open_pit"},
        {"production_status": "under_construction", "mineral": "gold", "design_capacity": Decimal("1")},
        {"production_status": "under_construction", "design_capacity": None},
    ],
)
def test_the_imports_constraint_check_agrees_with_the_database(company_a, shuocheng, changes):
    mine = Mine(
        licence_no="C1",
        name="核对",
        company=company_a,
        county=shuocheng,
        mineral="construction_limestone",
        mining_method="open_pit",
        licensing_level="city",
        scale="small",
        design_capacity=Decimal("30"),
        production_status="producing",
        longitude=Decimal("112.43"),
        latitude=Decimal("39.33"),
    )
    for name, value in changes.items():
        setattr(mine, name, value)

    def messages(check):
        try:
            check()
        except Exception as error:  # ValidationError
            return sorted(str(m) for m in error.messages)
        return []

    by_database = messages(mine.validate_constraints)
    assert messages(lambda: imports.validate_constraints_in_python(mine)) == by_database
    for excluded in (["design_capacity"], ["longitude"]):
        in_python = messages(partial(imports.validate_constraints_in_python, mine, excluded))
        assert in_python == messages(partial(mine.validate_constraints, excluded))


def test_a_licence_that_ends_before_it_starts_is_a_row_error(importer_client, company_a):
    row = mine_row(company_a, "C1406002021001501", 许可证有效期起=date(2025, 1, 1), 许可证有效期止=date(2020, 1, 1))
    preview = upload(importer_client, xlsx_file([row]))
    [result] = preview.context["plan"].rows
    assert result.status == "error" and result.row_errors == ["采矿许可证有效期止不能早于有效期起。"]
    assert "采矿许可证有效期止不能早于有效期起。" in preview.content.decode()


def test_a_long_preview_is_paged_and_not_validated_again_for_each_page(importer_client, company_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [mine_row(company_a, f"C14060020210016{n:02d}") for n in range(90)]
    rows += [mine_row(company_a, f"C14060020210017{n:02d}", 矿种="金子") for n in range(5)]
    file = csv_file(rows * 3)  # 285 rows, the last 190 repeating the first
    preview = upload(importer_client, file)
    assert preview.context["paginator"].num_pages == 2 and len(preview.context["rows"]) == 200
    url = preview.request["PATH_INFO"]
    with CaptureQueriesContext(connection) as ctx:
        second = importer_client.get(url, {"page": 2})
    assert len(second.context["rows"]) == 85
    assert not [q for q in ctx.captured_queries if "mines_mine" in q["sql"]], "the saved preview is shown"
    errors_only = importer_client.get(url, {"show": "errors"})
    assert errors_only.context["paginator"].count == preview.context["counts"]["error"] == 5 + 2 * 95
    assert all(row.status == "error" for row, _cells, _bad in errors_only.context["rows"])
    assert "page=2" in preview.content.decode()


def test_an_updated_row_gets_a_new_updated_at_and_the_others_keep_theirs(importer_client, company_a):
    rows = [mine_row(company_a, "C1406002021001801"), mine_row(company_a, "C1406002021001802")]
    confirm(importer_client, upload(importer_client, xlsx_file(rows)))
    before = dict(Mine.objects.values_list("licence_no", "updated_at"))
    rows[1]["设计生产能力"] = 45
    confirm(importer_client, upload(importer_client, xlsx_file(rows)))
    after = dict(Mine.objects.values_list("licence_no", "updated_at"))
    assert after["C1406002021001801"] == before["C1406002021001801"]
    assert after["C1406002021001802"] > before["C1406002021001802"]
    assert Mine.objects.get(licence_no="C1406002021001802").design_capacity == Decimal("45")


# ---------------------------------------------------------------- in a browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_uploads_previews_and_imports_in_a_browser(
    live_server,
    browser,  # noqa: F811
    officer,
    company_a,
    tmp_path,
):
    """Through the pages only: the list's import link, the upload form, a preview with bad cells
    and a disabled button, a corrected file, then 'import all' and the list."""
    from playwright.sync_api import expect

    from tests.test_e2e_closure import SERIAL, SHOTS, Person

    good = [mine_row(company_a, f"C14060020210019{n:02d}", 名称=f"浏览器导入矿山{n}") for n in range(3)]
    bad = [*good, mine_row(company_a, "C1406002021001999", 区县="大同市", 矿种="金子", 经度=115.2)]
    bad_file, good_file = tmp_path / "矿山（有误）.xlsx", tmp_path / "矿山.xlsx"
    bad_file.write_bytes(xlsx_file(bad).read())
    good_file.write_bytes(xlsx_file(good).read())

    user = Person(browser, live_server.url, officer.username)
    user.login()
    user.goto("/mines/")
    user.page.screenshot(path=SHOTS / "import-mine-list.png")
    user.follow(user.page.locator(f'a[href="{reverse("mine-import")}"]'))
    user.page.screenshot(path=SHOTS / "import-upload.png", full_page=True)
    user.page.set_input_files("#id_file", str(bad_file))
    user.submit(user.page.locator("main form button[type=submit]"))
    expect(user.page.locator("td.cell-bad")).to_have_count(3)
    expect(user.page.locator('button[value="import"]')).to_be_disabled()
    user.page.screenshot(path=SHOTS / "import-preview-errors.png", full_page=True)

    user.follow(user.page.locator(f'a[href="{reverse("mine-import")}"]').last)
    user.page.set_input_files("#id_file", str(good_file))
    user.submit(user.page.locator("main form button[type=submit]"))
    expect(user.page.locator('button[value="import"]')).to_be_enabled()
    user.page.screenshot(path=SHOTS / "import-preview-ok.png", full_page=True)
    user.submit(user.page.locator('button[value="import"]'))
    assert user.page.url.endswith("/mines/")
    expect(user.page.locator(".message.success")).to_be_visible()
    with SERIAL:
        assert Mine.objects.filter(name__startswith="浏览器导入矿山").count() == 3
