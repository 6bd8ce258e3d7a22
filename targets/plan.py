"""The plan's targets for 2025 (ch.2 三(二) 2 and 4; ch.5 二), as the system counts them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PLAN_START = date(2021, 1, 1)
PLAN_END = date(2025, 12, 31)
MID_TERM_END = date(2023, 12, 31)


@dataclass(frozen=True)
class Target:
    code: str
    label: "StrOrPromise"
    goal: Decimal
    unit: str
    source: "StrOrPromise"
    counted: "StrOrPromise"


TARGETS = [
    Target(
        "historical_area",
        _("Historical mines restored"),
        Decimal("12.73"),
        "km²",
        _("Plan ch.2 三(二) 4: the provincial task of 12.73 km² of historical mines by the end of 2025"),
        _("Area of historical sites whose treatment was accepted (a pending case adds nothing)"),
    ),
    Target(
        "historical_sites",
        _("Historical mine sites restored"),
        Decimal("225"),
        "",
        _("Plan ch.6 二 1: the 225 historical mines of the six counties"),
        _("Historical sites whose treatment was accepted"),
    ),
    Target(
        "three_zones",
        _("Three-zone treatment"),
        Decimal("67.55"),
        "km²",
        _("Plan ch.2 三(二) 4: 67.55 km² of subsidence, open-pit and exposed-mountain areas treated by 2025"),
        _(
            "Accepted historical-site area, plus land restored in the subsidence, open-pit and exposed-slope "
            "categories of accepted annual restoration reports"
        ),
    ),
    Target(
        "green_share",
        _("Green mines among province- and ministry-licensed mines"),
        Decimal("50"),
        "%",
        # xgettext:no-python-format
        _("Plan ch.5 二: 50% of the mines licensed by the province or the ministry"),
        _("Mines licensed by the province or the ministry, not closed, with a current green-mine listing"),
    ),
    Target(
        "large_medium_share",
        _("Large and medium mines"),
        Decimal("60"),
        "%",
        _("Plan ch.2 三(二) 2: large and medium mines at 60%"),
        _("Mines not closed whose scale is large or medium"),
    ),
]
BY_CODE = {t.code: t for t in TARGETS}
THREE_ZONE_CATEGORIES = ("subsidence", "open_pit", "exposed_slope")
