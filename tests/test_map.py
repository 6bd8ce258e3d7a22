"""The map: its GeoJSON keeps to the user's scope and the lists' filters, and the page draws it offline.

The browser tests run headless Chromium against the live server under a strict content security
policy (no inline script, no inline style attribute), fail on any console error or uncaught
exception, and count what Leaflet drew against what the endpoint sent.
"""

import json
import os
import threading
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from mines.choices import ProductionStatus, SiteStatus
from tests.conftest import make_mine, make_site

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
URL = "/map/data.geojson"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[112.30, 39.60], [112.31, 39.60], [112.31, 39.61], [112.30, 39.61], [112.30, 39.60]]],
}
TWO_SQUARES = {
    "type": "MultiPolygon",
    "coordinates": [
        SQUARE["coordinates"],
        [[[112.32, 39.62], [112.33, 39.62], [112.33, 39.63], [112.32, 39.63], [112.32, 39.62]]],
    ],
}
MINE_PROPERTIES = {"layer", "name", "status", "status_label", "county", "facts", "point", "url"}
SITE_PROPERTIES = MINE_PROPERTIES | {"code"}


def features(client, layer, **filters):
    response = client.get(URL, {"layer": layer, **filters})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    return collection["features"]


def names(client, layer, **filters):
    return sorted(f["properties"]["name"] for f in features(client, layer, **filters))


@pytest.fixture
def world(mine_a, mine_b, site_in_project, site_elsewhere):
    site_in_project.boundary = SQUARE
    site_in_project.save()
    return {"mine_a": mine_a, "mine_b": mine_b, "site_in_project": site_in_project, "site_elsewhere": site_elsewhere}


# ---------------------------------------------------------------- scope


def test_a_company_user_gets_their_own_mines_and_never_another_companys(client_for, company_user, world):
    client = client_for(company_user)
    assert names(client, "mines") == ["甲一号矿"]
    assert names(client, "sites") == []


def test_a_county_officer_gets_only_their_county(client_for, county_officer, world):
    client = client_for(county_officer)
    assert names(client, "mines") == ["乙一号矿"]
    assert names(client, "sites") == ["工程内遗留矿山"]


def test_a_county_officer_asking_for_another_county_gets_nothing(client_for, county_officer, shuocheng, world):
    client = client_for(county_officer)
    assert names(client, "mines", county=shuocheng.pk) == []
    assert names(client, "sites", county=shuocheng.pk) == []


def test_a_contractor_gets_only_the_sites_entrusted_to_it(client_for, contractor_user, world):
    client = client_for(contractor_user)
    assert names(client, "mines") == []
    assert names(client, "sites") == ["工程内遗留矿山"]


def test_a_city_wide_officer_gets_everything(client_for, officer, world):
    client = client_for(officer)
    assert names(client, "mines") == ["乙一号矿", "甲一号矿"]
    assert names(client, "sites") == ["工程内遗留矿山", "朔城区遗留矿山"]


def test_an_outsider_gets_nothing(client_for, outsider, world):
    client = client_for(outsider)
    assert names(client, "mines") == []
    assert names(client, "sites") == []


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    for url in (URL + "?layer=mines", reverse("map")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- filters


def test_the_mine_filters_of_the_list_apply(client_for, officer, company_a, shuocheng, pinglu):
    make_mine(
        company_a,
        shuocheng,
        name="煤一",
        mineral="coal",
        mining_method="underground",
        design_capacity=300,
        scale="large",
    )
    make_mine(company_a, pinglu, name="灰岩二", production_status=ProductionStatus.SUSPENDED)
    client = client_for(officer)
    assert names(client, "mines") == ["灰岩二", "煤一"]
    assert names(client, "mines", county=shuocheng.pk) == ["煤一"]
    assert names(client, "mines", category="coal") == ["煤一"]
    assert names(client, "mines", mineral="construction_limestone") == ["灰岩二"]
    assert names(client, "mines", production_status="suspended") == ["灰岩二"]
    assert names(client, "mines", scale="large") == ["煤一"]
    assert names(client, "mines", q="灰岩") == ["灰岩二"]
    assert names(client, "mines", county=pinglu.pk, scale="large") == []


def test_the_site_filters_of_the_list_apply(client_for, officer, shuocheng, pinglu):
    make_site(shuocheng, name="已验收的", status=SiteStatus.ACCEPTED)
    make_site(pinglu, name="刚识别的", former_mineral="construction_limestone")
    client = client_for(officer)
    assert names(client, "sites", status="accepted") == ["已验收的"]
    assert names(client, "sites", county=pinglu.pk) == ["刚识别的"]
    assert names(client, "sites", former_mineral="construction_limestone") == ["刚识别的"]
    assert names(client, "sites", q="识别") == ["刚识别的"]


def test_the_filters_of_the_other_layer_are_ignored(client_for, officer, world):
    client = client_for(officer)
    assert len(features(client, "mines", status="accepted", treatment_mode="government_led")) == 2
    assert len(features(client, "sites", production_status="closed")) == 2


def test_an_unknown_layer_or_a_bad_filter_answers_400(client_for, officer, world):
    client = client_for(officer)
    for params in ({"layer": "wells"}, {}, {"layer": "mines", "production_status": "flooded"}):
        response = client.get(URL, params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "invalid"


# ---------------------------------------------------------------- geometry and properties


def test_a_sites_boundary_is_returned_as_its_geometry(client_for, officer, world, shuocheng):
    make_site(shuocheng, name="两块地", boundary=TWO_SQUARES)
    by_name = {f["properties"]["name"]: f for f in features(client_for(officer), "sites")}
    assert by_name["工程内遗留矿山"]["geometry"] == SQUARE
    assert by_name["两块地"]["geometry"] == TWO_SQUARES
    elsewhere = world["site_elsewhere"]
    assert by_name["朔城区遗留矿山"]["geometry"] == {
        "type": "Point",
        "coordinates": [float(elsewhere.longitude), float(elsewhere.latitude)],
    }
    # The marker stays at the recorded location even where a boundary is drawn.
    site = world["site_in_project"]
    assert by_name["工程内遗留矿山"]["properties"]["point"] == [float(site.longitude), float(site.latitude)]


def test_a_mine_is_a_point_with_what_its_popup_shows(client_for, officer, world):
    mine = world["mine_a"]
    feature = next(f for f in features(client_for(officer), "mines") if f["properties"]["name"] == "甲一号矿")
    assert feature["geometry"] == {"type": "Point", "coordinates": [112.43, 39.33]}
    properties = feature["properties"]
    assert properties["status"] == "producing"
    assert properties["status_label"] == "生产"
    assert properties["county"] == "朔城区"
    assert properties["url"] == mine.get_absolute_url()
    assert ["设计生产能力", "20 万吨/年"] in properties["facts"]


def test_a_site_popup_shows_its_damaged_area_and_links_to_the_site(client_for, officer, world):
    site = world["site_elsewhere"]
    feature = next(f for f in features(client_for(officer), "sites") if f["properties"]["code"] == site.code)
    assert feature["properties"]["url"] == site.get_absolute_url()
    assert ["损毁面积（公顷）", "12.5"] in feature["properties"]["facts"]


def test_the_properties_hold_no_personal_data(client_for, officer, company_a, world, contractor_org):
    company_a.legal_representative = "张法人"
    company_a.contact_person = "李联系"
    company_a.contact_phone = "13800000000"
    company_a.contact_email = "boss@example.test"
    company_a.address = "朔州市某某路1号"
    company_a.save()
    contractor_org.contact_person = "赵项目"
    contractor_org.contact_phone = "13900000000"
    contractor_org.save()
    client = client_for(officer)
    for layer, allowed in (("mines", MINE_PROPERTIES), ("sites", SITE_PROPERTIES)):
        response = client.get(URL, {"layer": layer})
        body = response.content.decode()
        for private in (
            "张法人",
            "李联系",
            "13800000000",
            "boss@example.test",
            "某某路",
            "赵项目",
            "13900000000",
            company_a.name,
            company_a.credit_code,
            contractor_org.name,
            officer.username,
            officer.email,
        ):
            assert private not in body, (layer, private)
        for feature in response.json()["features"]:
            assert set(feature["properties"]) == allowed


def test_the_data_costs_the_same_queries_for_ten_mines_as_for_one(
    client_for, officer, company_a, shuocheng, django_assert_max_num_queries
):
    client = client_for(officer)
    make_mine(company_a, shuocheng)
    features(client, "mines")
    for _ in range(9):
        make_mine(company_a, shuocheng)
    with django_assert_max_num_queries(6):
        assert len(features(client, "mines")) == 10


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize(
    ("user_fixture", "layers"),
    [
        ("officer", ["mines", "sites"]),
        ("county_officer", ["mines", "sites"]),
        ("supervisor", ["mines", "sites"]),
        ("admin_user", ["mines", "sites"]),
        ("company_user", ["mines"]),
        ("contractor_user", ["sites"]),
    ],
)
def test_the_map_page_offers_the_layers_the_role_can_see(request, client_for, world, user_fixture, layers):
    client = client_for(request.getfixturevalue(user_fixture))
    response = client.get(reverse("map"))
    assert response.status_code == 200
    assert response.context["layers"] == layers
    config = json.loads(response.context["map_config"])
    assert sorted(config["layers"]) == layers
    assert config["dataUrl"] == URL
    body = response.content.decode()
    assert 'href="/map/"' in body  # the link in the header
    assert "<script>" not in body and " style=" not in body


def test_without_a_tile_url_the_page_configures_no_tiles(client_for, officer, world, settings):
    settings.MAP_TILE_URL = ""
    config = json.loads(client_for(officer).get(reverse("map")).context["map_config"])
    assert config["tiles"] == []
    assert len(config["counties"]) == 3  # the counties of the test world, each at its centre
    assert config["bounds"] == [[39.083333, 111.883333], [40.283333, 113.566667]]


def test_a_tile_url_setting_adds_the_base_map(client_for, officer, world, settings):
    settings.MAP_TILE_URL = "https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}&tk=KEY https://t0.tianditu.gov.cn/cva_w/wmts?x={x}&y={y}&l={z}&tk=KEY"
    settings.MAP_TILE_ATTRIBUTION = "天地图"
    config = json.loads(client_for(officer).get(reverse("map")).context["map_config"])
    assert [urlsplit(url).path for url in config["tiles"]] == ["/vec_w/wmts", "/cva_w/wmts"]
    assert config["attribution"] == "天地图"


# ---------------------------------------------------------------- in the browser

# As in test_e2e_closure: with the in-memory SQLite test database every live-server thread shares
# one connection, and the page fetches its two layers at once; requests take turns.
SERIAL = threading.RLock()
# What a deployment's policy will allow: scripts and styles from files only, data from this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@pytest.fixture
def chromium(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if connection.vendor == "sqlite":
        httpd = live_server.thread.httpd
        app = httpd.application

        def one_at_a_time(environ, start_response):
            with SERIAL:
                return app(environ, start_response)

        monkeypatch.setattr(httpd, "application", one_at_a_time)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


class MapPage:
    """One signed-in user's map in a fresh browser context, recording errors and every request."""

    def __init__(self, chromium, live_server, user, *, csp=True):
        client = Client()
        client.force_login(user)
        self.context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(10_000)
        self.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"{m.text} at {m.location}"))
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        if csp:
            self.page.route(f"{live_server.url}/map/**", self._with_csp)

    @staticmethod
    def _with_csp(route):
        if route.request.resource_type != "document":
            return route.continue_()
        response = route.fetch()
        return route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    def open(self, path="/map/"):
        response = self.page.goto(path)
        assert response is not None and response.ok, response and response.status
        self.wait_until_drawn()

    def wait_until_drawn(self):
        self.page.wait_for_selector("#map[data-ready]", state="attached")
        assert not self.errors, self.errors

    def count(self, selector):
        return self.page.locator(selector).count()


def expected(user, layer, **filters):
    client = Client()
    client.force_login(user)
    return features(client, layer, **filters)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("user_fixture", "layers"),
    [("officer", ["mines", "sites"]), ("company_user", ["mines"]), ("contractor_user", ["sites"])],
)
def test_the_map_draws_every_feature_the_user_may_see_without_a_script_error(
    request, chromium, live_server, world, shuocheng, user_fixture, layers
):
    make_site(shuocheng, name="两块地", boundary=TWO_SQUARES)
    user = request.getfixturevalue(user_fixture)
    sent = [feature for layer in layers for feature in expected(user, layer)]
    assert sent  # every role has something on its map

    page = MapPage(chromium, live_server, user)
    page.open()

    assert page.count(".leaflet-pane .map-marker") == len(sent)
    assert page.count("path.map-boundary") == sum(f["geometry"]["type"] != "Point" for f in sent)
    assert page.count(".map-county-label") == 3
    assert page.count("path.map-extent") == 1
    assert sorted(page.page.locator("input[name=layer]").evaluate_all("els => els.map(e => e.value)")) == layers
    # A popup names the record and links to its page.
    page.page.locator(".leaflet-pane .map-marker").first.click(force=True)
    popup = page.page.locator(".leaflet-popup .map-popup")
    popup.wait_for()
    links = popup.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links[0] in {f["properties"]["url"] for f in sent}
    assert not page.errors, page.errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_filtering_on_the_map_redraws_it_with_the_servers_answer(chromium, live_server, world, officer, pinglu):
    page = MapPage(chromium, live_server, officer)
    page.open()
    assert page.count(".leaflet-pane .map-marker") == 4

    page.page.select_option("select[name=county]", str(pinglu.pk))
    page.page.locator("form[data-map-filters] button[type=submit]").click()
    page.wait_until_drawn()
    assert page.count(".leaflet-pane .map-marker") == 2  # 乙一号矿 and 工程内遗留矿山
    assert f"county={pinglu.pk}" in page.page.url
    assert page.page.locator('[data-list-link="mines"]').get_attribute("href") == f"/mines/?county={pinglu.pk}"

    page.page.uncheck("input[name=layer][value=mines]")
    page.wait_until_drawn()
    assert page.count(".leaflet-pane .map-marker") == 1
    assert page.page.locator('[data-layer-filters="mines"]').is_hidden()
    assert not page.errors, page.errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_a_tile_url_the_map_requests_nothing_from_outside(chromium, live_server, world, officer, settings):
    settings.MAP_TILE_URL = ""
    page = MapPage(chromium, live_server, officer)
    page.open()
    page.page.mouse.wheel(0, -400)  # zoom in: still nothing to fetch
    page.page.wait_for_timeout(300)
    # The live server listens on the loopback; nothing may come from anywhere else.
    assert urlsplit(live_server.url).hostname in ("127.0.0.1", "localhost")
    outside = [url for url in page.requests if not url.startswith(live_server.url + "/")]
    assert len(page.requests) >= 6 and outside == []
    assert page.count(".leaflet-tile") == 0
    assert not page.errors, page.errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_with_a_tile_url_the_map_draws_the_tiles_under_the_features(chromium, live_server, world, officer, settings):
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png?tk=KEY"
    settings.MAP_TILE_ATTRIBUTION = "测试底图"
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1a2cd0000000049454e44ae426082"
    )
    tiles = []
    page = MapPage(chromium, live_server, officer, csp=False)  # a deployment's policy would allow the tile host
    page.page.route(
        "https://tiles.example.test/**",
        lambda route: (tiles.append(route.request.url), route.fulfill(body=png, content_type="image/png"))[1],
    )
    page.open()
    assert tiles and all("tk=KEY" in url for url in tiles)
    assert page.count(".leaflet-tile-pane img.leaflet-tile") > 0
    assert page.count(".leaflet-pane .map-marker") == 4
    assert "测试底图" in page.page.locator(".leaflet-control-attribution").inner_text()
    assert not page.errors, page.errors


def test_the_county_centres_lie_inside_shuozhou():
    from mines.choices import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN
    from mines.map_views import COUNTY_CENTRES

    assert len(COUNTY_CENTRES) == 6
    for lon, lat in COUNTY_CENTRES.values():
        assert LONGITUDE_MIN < Decimal(str(lon)) < LONGITUDE_MAX
        assert LATITUDE_MIN < Decimal(str(lat)) < LATITUDE_MAX
