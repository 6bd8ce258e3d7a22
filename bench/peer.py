"""The peer of `bench/api.py`: the case and mine lists written the way most Django projects write them.

A plain DRF `ModelViewSet` with `ModelSerializer`s (nested ones for the related objects),
`select_related`, DRF's own `CursorPagination` (50 rows, the same order as ours: no COUNT, no
OFFSET, so the peer is not handicapped deep in the table) and django-filter's
`DjangoFilterBackend` with `filterset_fields`. Scoped the same way (`visible_to`), with the same
authentication, permission and throttling settings (the project's REST_FRAMEWORK defaults), and
answering the same JSON as `/api/v1/cases/` and `/api/v1/mines/` (bench/api.py checks that).
Only in the benchmark: nothing in the application uses it.
"""

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import pagination, serializers, viewsets

from accounts.models import User
from mines.api.views import GREEN_LISTED
from mines.models import Company, Contractor, County, HistoricalSite, Mine, PlanningArea
from restoration.choices import DEADLINE_STATES, CaseState
from restoration.models import Case


def _ref(model_class):
    class Ref(serializers.ModelSerializer):
        class Meta:
            model = model_class
            fields = ["id", "name"]

    Ref.__name__ = f"Peer{model_class.__name__}Ref"
    return Ref


CountyRef, MineRef, SiteRef = _ref(County), _ref(Mine), _ref(HistoricalSite)
CompanyRef, ContractorRef, PlanningAreaRef = _ref(Company), _ref(Contractor), _ref(PlanningArea)


class PersonRef(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "name"]


class PeerCaseSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    state_display = serializers.CharField(source="get_state_display")
    county = CountyRef(read_only=True)
    mine = MineRef(read_only=True)
    site = SiteRef(read_only=True)
    company = CompanyRef(read_only=True)
    contractor = ContractorRef(read_only=True)
    assigned_officer = PersonRef(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "state",
            "state_display",
            "title",
            "county",
            "mine",
            "site",
            "company",
            "contractor",
            "assigned_officer",
            "deadline",
            "deadline_version",
            "overdue",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    def get_overdue(self, case) -> bool:
        if case.state == CaseState.OVERDUE:
            return True
        return case.state in DEADLINE_STATES and case.deadline is not None and case.deadline < timezone.localdate()


class PeerMineSerializer(serializers.ModelSerializer):
    company = CompanyRef(read_only=True)
    county = CountyRef(read_only=True)
    planning_area = PlanningAreaRef(read_only=True)
    mineral_display = serializers.CharField(source="get_mineral_display")
    category = serializers.CharField()
    mining_method_display = serializers.CharField(source="get_mining_method_display")
    licensing_level_display = serializers.CharField(source="get_licensing_level_display")
    scale_display = serializers.CharField(source="get_scale_display")
    capacity_unit = serializers.CharField()
    production_status_display = serializers.CharField(source="get_production_status_display")
    green_listed = serializers.BooleanField()

    class Meta:
        model = Mine
        fields = [
            "id",
            "licence_no",
            "name",
            "company",
            "county",
            "mineral",
            "mineral_display",
            "category",
            "mining_method",
            "mining_method_display",
            "licensing_level",
            "licensing_level_display",
            "scale",
            "scale_display",
            "design_capacity",
            "capacity_unit",
            "production_status",
            "production_status_display",
            "licence_valid_from",
            "licence_valid_to",
            "longitude",
            "latitude",
            "area_km2",
            "planning_area",
            "land_reclamation_plan_filed",
            "green_listed",
            "is_demo",
            "created_at",
            "updated_at",
        ]


class NewestFirst(pagination.CursorPagination):
    page_size = 50
    ordering = "-id"


class OldestFirst(pagination.CursorPagination):
    page_size = 50
    ordering = "id"


class PeerCaseViewSet(viewsets.ModelViewSet):
    serializer_class = PeerCaseSerializer
    pagination_class = NewestFirst
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["state", "kind", "county", "company", "mine", "site", "assigned_officer"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).select_related(
            "county", "mine", "site", "company", "contractor", "assigned_officer"
        )


class PeerMineViewSet(viewsets.ModelViewSet):
    serializer_class = PeerMineSerializer
    pagination_class = OldestFirst
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["county", "company", "mineral", "production_status"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return (
            Mine.objects.visible_to(self.request.user)
            .select_related("company", "county", "planning_area")
            .annotate(green_listed=GREEN_LISTED)
        )
