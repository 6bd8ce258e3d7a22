"""Reads: querysets shaped for the pages, always starting from `visible_to(user)`."""

from collections import OrderedDict

from django.db.models import Count, Q, Sum

from mines.choices import Mineral, ProductionStatus, SiteStatus
from mines.models import Company, County, GreenMineListing, HistoricalSite, KeyProject, Mine


def mine_list(*, user):
    return Mine.objects.visible_to(user).select_related("county", "company", "planning_area").with_green_listing()


def historical_site_list(*, user):
    return HistoricalSite.objects.visible_to(user).select_related("county", "key_project", "zone")


def key_project_list(*, user):
    return (
        KeyProject.objects.visible_to(user)
        .select_related("county", "zone", "contractor")
        .with_budget_total()
        .annotate(site_count=Count("sites"))
    )


def _crosstab(rows, key, columns):
    """{county: {column: count}} with a total per county, in county order."""
    table = OrderedDict()
    for county in County.objects.all():
        table[county] = dict.fromkeys(columns, 0)
    by_id = {county.pk: county for county in table}
    for row in rows:
        table[by_id[row["county"]]][row[key]] = row["n"]
    return [
        {"county": county, "cells": [counts[c] for c in columns], "total": sum(counts.values())}
        for county, counts in table.items()
    ]


def scope_summary(*, user):
    """What the home page shows: counts of the user's mines and sites by county and status."""
    mines = Mine.objects.visible_to(user)
    sites = HistoricalSite.objects.visible_to(user)
    mine_rows = mines.values("county", "production_status").annotate(n=Count("id")).order_by()
    site_rows = sites.values("county", "status").annotate(n=Count("id")).order_by()
    mine_statuses = list(ProductionStatus.values)
    site_statuses = list(SiteStatus.values)
    mine_table = [r for r in _crosstab(mine_rows, "production_status", mine_statuses) if r["total"]]
    site_table = [r for r in _crosstab(site_rows, "status", site_statuses) if r["total"]]
    mine_counts = mines.aggregate(total=Count("id"), coal=Count("id", filter=Q(mineral=Mineral.COAL)))
    site_totals = sites.aggregate(n=Count("id"), damaged=Sum("damaged_area_ha"), restored=Sum("area_restored_ha"))
    return {
        "mine_statuses": [ProductionStatus(s).label for s in mine_statuses],
        "site_statuses": [SiteStatus(s).label for s in site_statuses],
        "mine_table": mine_table,
        "site_table": site_table,
        "mine_total": mine_counts["total"],
        "coal_total": mine_counts["coal"],
        "site_total": site_totals["n"],
        "site_damaged_ha": site_totals["damaged"] or 0,
        "site_restored_ha": site_totals["restored"] or 0,
        "green_total": GreenMineListing.objects.visible_to(user).current().count(),
        "project_total": KeyProject.objects.visible_to(user).count(),
    }


def company_list(*, user):
    return Company.objects.visible_to(user).annotate(mine_count=Count("mines"))
