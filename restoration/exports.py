"""Export columns of the case, fund and receivable lists (the machinery is mines/exports.py)."""

from decimal import Decimal
from itertools import islice

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mines import exports as x
from restoration import fund_selectors
from restoration.choices import CaseKind, CaseState

ZERO = Decimal("0.00")


def _about(mine_name, site_code, site_name):
    if mine_name:
        return mine_name
    return f"{site_code} {site_name}".strip() if site_code else ""


CASE_COLUMNS = [
    x.text(gettext_lazy("Case number"), "number"),
    x.text(gettext_lazy("Title"), "title"),
    x.choice(gettext_lazy("Kind"), "kind", CaseKind),
    x.computed(gettext_lazy("About"), "mine__name", "site__code", "site__name", display=_about),
    x.text(gettext_lazy("Mining-rights holder"), "company__name"),
    x.bilingual(gettext_lazy("County"), "county"),
    x.choice(gettext_lazy("State"), "state", CaseState),
    x.day(gettext_lazy("Deadline"), "deadline"),
    x.person(gettext_lazy("Officer"), "assigned_officer"),
    x.moment(gettext_lazy("opened at"), "created_at"),
    x.moment(gettext_lazy("updated at"), "updated_at"),
]

# "estimated_cost" and "shortfall" are computed per chunk of funds, not read from the database.
FUND_COLUMNS = [
    x.text(gettext_lazy("Mine"), "mine__name"),
    x.text(gettext_lazy("Licence number"), "mine__licence_no"),
    x.text(gettext_lazy("Mining-rights holder"), "mine__company__name"),
    x.bilingual(gettext_lazy("County"), "mine__county"),
    x.money(gettext_lazy("Balance (yuan)"), "balance"),
    x.money(gettext_lazy("Estimated restoration cost (yuan)"), "estimated_cost"),
    x.money(gettext_lazy("Shortfall (yuan)"), "shortfall"),
]
COMPUTED = ("estimated_cost", "shortfall")


def _settled(settled_at):
    return _("settled") if settled_at else _("outstanding")


RECEIVABLE_COLUMNS = [
    x.text(gettext_lazy("Mining-rights holder"), "company__name"),
    x.text(gettext_lazy("Case"), "case__number"),
    x.money(gettext_lazy("Amount (yuan)"), "amount"),
    x.money(gettext_lazy("Paid (yuan)"), "paid_sum"),
    x.computed(gettext_lazy("Status"), "settled_at", display=_settled),
    x.moment(gettext_lazy("settled at"), "settled_at"),
]


def fund_rows(accounts, *, short_only: bool):
    """Rows of the fund list as the page computes them: the estimated cost and shortfall of each
    chunk of funds in one query (`estimated_costs`), and only those short of it if asked."""
    rates = fund_selectors.current_unit_rates()

    def rows(sources):
        read = [s for s in sources if s not in COMPUTED]
        for needed in ("mine_id", "balance"):
            if needed not in read:
                read.append(needed)
        where = {name: i for i, name in enumerate(read)}
        iterator = accounts.values_list(*read).iterator(chunk_size=x.CHUNK_SIZE)
        while chunk := list(islice(iterator, x.CHUNK_SIZE)):
            costs = fund_selectors.estimated_costs([r[where["mine_id"]] for r in chunk], rates)
            for r in chunk:
                cost = costs.get(r[where["mine_id"]], ZERO)
                shortfall = max(cost - r[where["balance"]], ZERO)
                if short_only and not shortfall > 0:
                    continue
                values = {"estimated_cost": cost, "shortfall": shortfall}
                yield tuple(values[s] if s in values else r[where[s]] for s in sources)

    return rows
