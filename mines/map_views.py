"""The map (/map/): the mines and historical sites the user may see, drawn by Leaflet from GeoJSON.

The page carries no data and no inline script: `static/js/map.js` reads its settings from the
`data-map` attribute and fetches one GeoJSON FeatureCollection per layer from `map_data`, which
starts from the same selectors (`visible_to`) and filter sets as the lists. Features carry only
what the popup shows; nothing about companies or people. See docs/map.md.
"""

import json
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mines import selectors
from mines.choices import (
    LATITUDE_MAX,
    LATITUDE_MIN,
    LONGITUDE_MAX,
    LONGITUDE_MIN,
    Mineral,
    ProductionStatus,
    Scale,
    SiteStatus,
    capacity_unit,
)
from mines.filters import HistoricalSiteFilter, MineFilter
from mines.models import County, HistoricalSite, Mine, plain_number

MINES, SITES = "mines", "sites"

# Fields both filter sets have; the page shows them once and they apply to both layers.
SHARED_FILTERS = ("county", "q")

# Approximate centres of the six counties (administrative code → longitude, latitude), only to
# label the plain base drawn when no tile server is configured.
COUNTY_CENTRES = {
    "140602": (112.40, 39.36),  # 朔城区
    "140603": (112.22, 39.62),  # 平鲁区
    "140621": (112.83, 39.55),  # 山阴县
    "140622": (113.22, 39.50),  # 应县
    "140623": (112.40, 40.06),  # 右玉县
    "140681": (113.10, 39.86),  # 怀仁市
}


def offered_layers(user) -> list[str]:
    """The layers the user's scope can hold anything in: a company has no sites, a contractor no mines.

    Asked of `visible_to` itself (does it answer `.none()` for this user?), so the rule stays in
    one place and costs no query.
    """
    layers = []
    if not Mine.objects.visible_to(user).query.is_empty():
        layers.append(MINES)
    if not HistoricalSite.objects.visible_to(user).query.is_empty():
        layers.append(SITES)
    return layers


def _layer_label(layer: str) -> str:
    return _("Mines") if layer == MINES else _("Historical sites")


def _shown(layer: str) -> str:
    # %(count)s is filled in by map.js.
    return _("%(count)s mines shown") if layer == MINES else _("%(count)s historical sites shown")


def _filtersets(request):
    data = request.GET or None
    return {
        MINES: MineFilter(data, queryset=selectors.mine_list(user=request.user), request=request),
        SITES: HistoricalSiteFilter(data, queryset=selectors.historical_site_list(user=request.user), request=request),
    }


# ---------------------------------------------------------------- the page


@login_required
@require_GET
def map_page(request):
    layers = offered_layers(request.user)
    chosen = [layer for layer in request.GET.getlist("layer") if layer in layers] or layers
    filtersets = _filtersets(request)
    shared_form = filtersets[layers[0]].form if layers else None
    groups = [
        {
            "layer": layer,
            "label": _layer_label(layer),
            "shown": layer in chosen,
            "fields": [f for f in filtersets[layer].form.visible_fields() if f.name not in SHARED_FILTERS],
            "hidden_fields": filtersets[layer].form.hidden_fields(),
        }
        for layer in layers
    ]
    query = request.GET.copy()
    query.pop("layer", None)
    list_urls = {MINES: reverse("mine-list"), SITES: reverse("site-list")}
    config = {
        "dataUrl": reverse("map-data"),
        "layers": {
            layer: {"label": _layer_label(layer), "listUrl": list_urls[layer], "shown": _shown(layer)}
            for layer in layers
        },
        # [[south, west], [north, east]], as Leaflet wants them.
        "bounds": [[float(LATITUDE_MIN), float(LONGITUDE_MIN)], [float(LATITUDE_MAX), float(LONGITUDE_MAX)]],
        "counties": [
            {"name": county.display_name, "lon": COUNTY_CENTRES[county.code][0], "lat": COUNTY_CENTRES[county.code][1]}
            for county in County.objects.filter(code__in=COUNTY_CENTRES)
        ],
        "tiles": settings.MAP_TILE_URL.split(),
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "text": {
            "baseAttribution": _("Base: Shuozhou's extent, drawn without a tile server"),
            "county": capfirst(Mine._meta.get_field("county").verbose_name),
            # Graticule labels: "112°30′" becomes e.g. 东经112°30′.
            "east": _("%(value)s E"),
            "north": _("%(value)s N"),
            "open": _("Open the record"),
            "loading": _("Loading the map data…"),
            "failed": _("The map data could not be loaded. Reload the page and try again."),
            "none": _("Nothing matches these filters."),
        },
    }
    return render(
        request,
        "mines/map.html",
        {
            "layers": layers,
            "groups": groups,
            "shared_fields": [shared_form[name] for name in SHARED_FILTERS] if shared_form else [],
            "map_config": json.dumps(config, ensure_ascii=False, cls=DjangoJSONEncoder),
            "list_query": query.urlencode(),
            "list_urls": list_urls,
            "legend": _legend(layers),
            "has_tiles": bool(config["tiles"]),
        },
    )


def _legend(layers):
    legend = []
    if MINES in layers:
        legend.append(
            {
                "layer": MINES,
                "title": capfirst(Mine._meta.get_field("production_status").verbose_name),
                "label": _("Mines"),
                "items": [(status.value, status.label) for status in ProductionStatus],
            }
        )
    if SITES in layers:
        legend.append(
            {
                "layer": SITES,
                "title": _("Treatment status"),
                "label": _("Historical sites"),
                "items": [(status.value, status.label) for status in SiteStatus],
            }
        )
    return legend


# ---------------------------------------------------------------- the data


@login_required
@require_GET
def map_data(request):
    """GeoJSON of one layer (`?layer=mines|sites`) with the list's filters, inside the user's scope."""
    layer = request.GET.get("layer", "")
    if layer not in (MINES, SITES):
        return JsonResponse(
            {"code": "invalid", "message": _("Choose a layer: mines or sites."), "fields": {"layer": [layer]}},
            status=400,
        )
    filterset = _filtersets(request)[layer]
    if filterset.is_bound and not filterset.is_valid():
        return JsonResponse(
            {
                "code": "invalid",
                "message": _("Some filters were not understood."),
                "fields": {name: [str(e) for e in errors] for name, errors in filterset.errors.items()},
            },
            status=400,
        )
    counties = {county.pk: county.display_name for county in County.objects.all()}
    features = _mine_features(filterset.qs, counties) if layer == MINES else _site_features(filterset.qs, counties)
    response = JsonResponse({"type": "FeatureCollection", "features": list(features)})
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "private, no-store"
    return response


def _point(longitude: Decimal, latitude: Decimal) -> list[float]:
    return [float(longitude), float(latitude)]


def _label(model, field: str) -> str:
    return str(capfirst(model._meta.get_field(field).verbose_name))


def _mine_features(queryset, counties):
    minerals, scales, statuses = dict(Mineral.choices), dict(Scale.choices), dict(ProductionStatus.choices)
    rows = queryset.order_by("pk").values(
        "pk", "name", "county_id", "mineral", "scale", "design_capacity", "production_status", "longitude", "latitude"
    )
    labels = {f: _label(Mine, f) for f in ("mineral", "scale", "design_capacity")}
    for row in rows:
        point = _point(row["longitude"], row["latitude"])
        capacity = f"{plain_number(row['design_capacity'])} {capacity_unit(row['mineral'])}"
        yield {
            "type": "Feature",
            "id": f"mine-{row['pk']}",
            "geometry": {"type": "Point", "coordinates": point},
            "properties": {
                "layer": MINES,
                "name": row["name"],
                "status": row["production_status"],
                "status_label": str(statuses.get(row["production_status"], row["production_status"])),
                "county": counties.get(row["county_id"], ""),
                "facts": [
                    [labels["mineral"], str(minerals.get(row["mineral"], row["mineral"]))],
                    [labels["scale"], str(scales.get(row["scale"], row["scale"]))],
                    [labels["design_capacity"], capacity],
                ],
                "point": point,
                "url": reverse("mine-detail", args=[row["pk"]]),
            },
        }


def _site_features(queryset, counties):
    minerals, statuses = dict(Mineral.choices), dict(SiteStatus.choices)
    rows = queryset.order_by("pk").values(
        "pk",
        "code",
        "name",
        "county_id",
        "former_mineral",
        "status",
        "damaged_area_ha",
        "area_restored_ha",
        "longitude",
        "latitude",
        "boundary",
    )
    labels = {f: _label(HistoricalSite, f) for f in ("former_mineral", "damaged_area_ha", "area_restored_ha")}
    for row in rows:
        point = _point(row["longitude"], row["latitude"])
        boundary = row["boundary"]
        yield {
            "type": "Feature",
            "id": f"site-{row['pk']}",
            # The boundary where it is known (a validated Polygon or MultiPolygon), else the point.
            "geometry": boundary if boundary else {"type": "Point", "coordinates": point},
            "properties": {
                "layer": SITES,
                "code": row["code"],
                "name": row["name"],
                "status": row["status"],
                "status_label": str(statuses.get(row["status"], row["status"])),
                "county": counties.get(row["county_id"], ""),
                "facts": [
                    [labels["former_mineral"], str(minerals.get(row["former_mineral"], row["former_mineral"]))],
                    [labels["damaged_area_ha"], plain_number(row["damaged_area_ha"])],
                    [labels["area_restored_ha"], plain_number(row["area_restored_ha"])],
                ],
                "point": point,
                "url": reverse("site-detail", args=[row["pk"]]),
            },
        }
