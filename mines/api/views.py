"""Inventory endpoints: counties, planning areas, zones, key projects, green-mine listings,
companies, contractors, mines and historical sites. Reads for everyone signed in (within scope);
creating and changing mines, sites and companies for roles with the Django permission."""

from django.db.models import BooleanField, Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from api.pagination import KeysetPagination
from api.permissions import InventoryPermission
from api.viewsets import RowReadMixin, ScopedViewSet, ScopedWriteMixin
from mines.api import filters
from mines.api import serializers as s
from mines.choices import GreenMineStatus
from mines.models import (
    Company,
    Contractor,
    County,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    Mine,
    PlanningArea,
)

WRITE_NOTE = (
    " Needs the permission to add (POST) or change (PUT, PATCH) the inventory: officers and supervisors. "
    "Validation is the model's, with the messages the pages show. There are no deletes."
)


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


@extend_schema_view(
    list=extend_schema(summary="List counties", description="The six counties of Shuozhou."),
    retrieve=extend_schema(summary="One county"),
)
class CountyViewSet(ReadOnlyViewSet):
    model = County
    serializer_class = s.CountySerializer


@extend_schema_view(
    list=extend_schema(
        summary="List planning areas",
        description="The national planning mining areas (大同/平朔/朔南) and the 38 concentrated mining zones.",
    ),
    retrieve=extend_schema(summary="One planning area"),
)
class PlanningAreaViewSet(ReadOnlyViewSet):
    model = PlanningArea
    serializer_class = s.PlanningAreaSerializer
    filterset_class = filters.PlanningAreaFilter


@extend_schema_view(
    list=extend_schema(summary="List governance zones", description="The 8 key and 6 general governance zones."),
    retrieve=extend_schema(summary="One governance zone"),
)
class ZoneViewSet(ReadOnlyViewSet):
    model = GovernanceZone
    serializer_class = s.ZoneSerializer
    filterset_class = filters.ZoneFilter

    def get_queryset(self):
        return self.scoped().prefetch_related("counties")


@extend_schema_view(
    list=extend_schema(
        summary="List key projects",
        description="The 34 government-led restoration projects; a contractor sees the projects entrusted to it.",
    ),
    retrieve=extend_schema(summary="One key project"),
)
class KeyProjectViewSet(ReadOnlyViewSet):
    model = KeyProject
    serializer_class = s.KeyProjectSerializer
    filterset_class = filters.KeyProjectFilter

    def get_queryset(self):
        return (
            self.scoped()
            .select_related("zone", "county", "contractor")
            .annotate(site_count=Count("sites"))
            .order_by("code")
        )


@extend_schema_view(
    list=extend_schema(
        summary="List green-mine listings", description="The green-mine list, including removed listings."
    ),
    retrieve=extend_schema(summary="One green-mine listing"),
)
class GreenMineListingViewSet(ReadOnlyViewSet):
    model = GreenMineListing
    serializer_class = s.GreenMineListingSerializer
    filterset_class = filters.GreenMineListingFilter

    def get_queryset(self):
        return self.scoped().select_related("mine", "mine__county", "mine__company").order_by("-listed_on", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List contractors", description="Bureau staff see every contractor; a contractor sees itself."
    ),
    retrieve=extend_schema(summary="One contractor"),
)
class ContractorViewSet(ReadOnlyViewSet):
    model = Contractor
    serializer_class = s.ContractorSerializer
    filterset_class = filters.ContractorFilter


@extend_schema_view(
    list=extend_schema(
        summary="List mining-rights holders",
        description="Bureau staff see the holders in their counties (and those with no mine yet); "
        "a company user sees its own company.",
    ),
    retrieve=extend_schema(
        summary="One mining-rights holder", description="With whether it is barred from new mining rights, and why."
    ),
    create=extend_schema(
        summary="Register a mining-rights holder",
        request=s.CompanySerializer,
        responses={201: s.CompanyDetailSerializer},
        description="Register a holder." + WRITE_NOTE,
    ),
    update=extend_schema(
        summary="Change a mining-rights holder",
        request=s.CompanySerializer,
        responses={200: s.CompanyDetailSerializer},
        description=WRITE_NOTE.strip(),
    ),
    partial_update=extend_schema(
        summary="Change some fields of a mining-rights holder",
        request=s.CompanySerializer,
        responses={200: s.CompanyDetailSerializer},
        description=WRITE_NOTE.strip(),
    ),
)
class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedWriteMixin, ScopedViewSet):
    model = Company
    filterset_class = filters.CompanyFilter
    write_serializer_class = s.CompanySerializer
    permission_classes = [InventoryPermission]
    write_model = Company

    def get_queryset(self):
        return self.scoped().annotate(mine_count=Count("mines")).order_by("name", "id")

    def get_serializer_class(self):
        return s.CompanySerializer if self.action == "list" else s.CompanyDetailSerializer

    def written(self, company):
        fresh = self.get_queryset().filter(pk=company.pk).first()
        if fresh is None:
            return None
        return s.CompanyDetailSerializer(fresh, context=self.get_serializer_context()).data


# A scalar subquery rather than EXISTS: with tens of thousands of mines PostgreSQL turned EXISTS
# into a hashed subplan reading every current listing on each page (bench/api.py).
GREEN_LISTED = Coalesce(
    Subquery(
        GreenMineListing.objects.filter(mine=OuterRef("pk"))
        .exclude(status=GreenMineStatus.REMOVED)
        .annotate(listed=Value(True, output_field=BooleanField()))
        .values("listed")[:1]
    ),
    Value(False),
    output_field=BooleanField(),
)


@extend_schema_view(
    list=extend_schema(
        summary="List mines",
        description="The mines in your scope: bureau staff their counties, a company its own mines. "
        "Cursor-paginated: follow `next`.",
    ),
    retrieve=extend_schema(summary="One mine"),
    create=extend_schema(
        summary="Register a mine",
        request=s.MineWriteSerializer,
        responses={201: s.MineSerializer},
        description="Register a mine." + WRITE_NOTE,
    ),
    update=extend_schema(
        summary="Change a mine",
        request=s.MineWriteSerializer,
        responses={200: s.MineSerializer},
        description=WRITE_NOTE.strip(),
    ),
    partial_update=extend_schema(
        summary="Change some fields of a mine",
        request=s.MineWriteSerializer,
        responses={200: s.MineSerializer},
        description=WRITE_NOTE.strip(),
    ),
)
class MineViewSet(RowReadMixin, ScopedWriteMixin, ScopedViewSet):
    model = Mine
    row_serializer_class = s.MineSerializer
    write_serializer_class = s.MineWriteSerializer
    filterset_class = filters.MineFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",), "licence_no": ("licence_no",)}
    keyset_default = "id"
    permission_classes = [InventoryPermission]
    write_model = Mine

    def base_queryset(self):
        return self.scoped().annotate(green_listed=GREEN_LISTED)


@extend_schema_view(
    list=extend_schema(
        summary="List historical mine sites",
        description="Abandoned mines (历史遗留矿山) in your scope; a contractor sees the sites of its projects. "
        "Cursor-paginated: follow `next`.",
    ),
    retrieve=extend_schema(summary="One historical mine site", description="With its boundary."),
    create=extend_schema(
        summary="Register a historical mine site",
        request=s.HistoricalSiteWriteSerializer,
        responses={201: s.HistoricalSiteDetailSerializer},
        description="Register a site." + WRITE_NOTE,
    ),
    update=extend_schema(
        summary="Change a historical mine site",
        request=s.HistoricalSiteWriteSerializer,
        responses={200: s.HistoricalSiteDetailSerializer},
        description=WRITE_NOTE.strip(),
    ),
    partial_update=extend_schema(
        summary="Change some fields of a historical mine site",
        request=s.HistoricalSiteWriteSerializer,
        responses={200: s.HistoricalSiteDetailSerializer},
        description=WRITE_NOTE.strip(),
    ),
)
class HistoricalSiteViewSet(RowReadMixin, ScopedWriteMixin, ScopedViewSet):
    model = HistoricalSite
    row_serializer_class = s.HistoricalSiteSerializer
    detail_serializer_class = s.HistoricalSiteDetailSerializer
    write_serializer_class = s.HistoricalSiteWriteSerializer
    filterset_class = filters.HistoricalSiteFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",), "code": ("code",)}
    keyset_default = "id"
    permission_classes = [InventoryPermission]
    write_model = HistoricalSite
