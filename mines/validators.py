"""Validators for identifiers and geometry that the bureau's records carry."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mines.choices import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN

# GB 32100-2015: the unified social credit code uses these 31 characters (no I, O, Z, S, V).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


CHECK_CHARACTER_WRONG = _(
    "The check character of this unified social credit code is wrong; please check the code for typing errors."  # noqa: E501
)


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_code_length",
            params={"count": len(code)},
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _("A unified social credit code may not contain %(chars)s (the letters I, O, Z, S and V are never used)."),
            code="credit_code_charset",
            params={"chars": "、".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the six-digit administrative division code."),
            code="credit_code_division",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            CHECK_CHARACTER_WRONG,
            code="credit_code_check",
        )


def validate_longitude(value) -> None:
    if value is None:
        return
    if not (LONGITUDE_MIN <= Decimal(value) <= LONGITUDE_MAX):
        raise ValidationError(
            _("Longitude %(value)s is outside Shuozhou (east 111°53′ to 113°34′)."),
            code="outside_shuozhou",
            params={"value": value},
        )


def validate_latitude(value) -> None:
    if value is None:
        return
    if not (LATITUDE_MIN <= Decimal(value) <= LATITUDE_MAX):
        raise ValidationError(
            _("Latitude %(value)s is outside Shuozhou (north 39°05′ to 40°17′)."),
            code="outside_shuozhou",
            params={"value": value},
        )


def _position(point) -> tuple[Decimal, Decimal]:
    if not isinstance(point, list | tuple) or len(point) < 2:
        raise ValidationError(_("Each boundary point must be a [longitude, latitude] pair."), code="geojson")
    try:
        lon, lat = Decimal(str(point[0])), Decimal(str(point[1]))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("Boundary coordinates must be numbers."), code="geojson") from None
    if not (LONGITUDE_MIN <= lon <= LONGITUDE_MAX and LATITUDE_MIN <= lat <= LATITUDE_MAX):
        raise ValidationError(
            _("Boundary point (%(lon)s, %(lat)s) lies outside Shuozhou."),
            code="outside_shuozhou",
            params={"lon": lon, "lat": lat},
        )
    return lon, lat


def _rings(polygon) -> None:
    if not isinstance(polygon, list) or not polygon:
        raise ValidationError(_("A polygon needs at least one ring of points."), code="geojson")
    for ring in polygon:
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValidationError(_("Each polygon ring needs at least four points."), code="geojson")
        points = [_position(p) for p in ring]
        if points[0] != points[-1]:
            raise ValidationError(_("Each polygon ring must end where it starts."), code="geojson")


def validate_boundary(value) -> None:
    """A GeoJSON Polygon or MultiPolygon (geometry, not Feature) inside Shuozhou, or empty."""
    if value in (None, "", {}):
        return
    if not isinstance(value, dict):
        raise ValidationError(_("The boundary must be a GeoJSON object."), code="geojson")
    kind = value.get("type")
    coordinates = value.get("coordinates")
    if kind == "Polygon":
        _rings(coordinates)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError(_("A multipolygon needs at least one polygon."), code="geojson")
        for polygon in coordinates:
            _rings(polygon)
    else:
        raise ValidationError(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon, not %(kind)s."),
            code="geojson",
            params={"kind": kind or "?"},
        )
