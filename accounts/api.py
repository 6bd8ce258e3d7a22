"""The caller in the API: who am I, and my personal API tokens (list, create, revoke)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken, Role
from accounts.tokens import TokenError, token_create, token_revoke
from api.pagination import PageNumberPagination
from api.rows import Ref
from api.viewsets import ScopedViewSet
from restoration.errors import Forbidden, Invalid, NotFound


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Your user id.")
    username = serializers.CharField(help_text="Your user name.")
    name = serializers.CharField(source="__str__", help_text="Your name as the pages show it.")
    role = serializers.ChoiceField(choices=Role.choices, help_text="Your role.")
    role_display = serializers.CharField(source="get_role_display", help_text="Its label.")
    company = Ref(allow_null=True, help_text="Your company (company users).")
    contractor = Ref(allow_null=True, help_text="Your contractor (contractor users).")
    city_wide = serializers.BooleanField(source="sees_all_counties", help_text="You see every county.")
    counties = serializers.SerializerMethodField(help_text="Ids of the counties in your scope (bureau staff).")

    def get_counties(self, user) -> list[int]:
        if not user.is_bureau:
            return []
        if user.sees_all_counties:
            from mines.models import County

            return list(County.objects.values_list("pk", flat=True))
        return list(user.counties.values_list("pk", flat=True))


class MeView(APIView):
    @extend_schema(summary="Who am I", responses={200: MeSerializer}, tags=["me"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="active, expired or revoked.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "status"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The token's id."},
            "created_at": {"help_text": "Created at."},
            "name": {"help_text": "What the token is for."},
            "prefix": {"help_text": "The token's first characters, to recognise it."},
            "expires_at": {"help_text": "When it stops working (at most a year after creation)."},
            "last_used_at": {"help_text": "Last use, to the minute."},
            "revoked_at": {"help_text": "When it was revoked, if it was."},
        }

    def get_status(self, token) -> str:
        return token.status()


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What the token is for, e.g. the system using it.")
    expires_at = serializers.DateTimeField(help_text="When it stops working: in the future, at most a year ahead.")


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The token. Shown this once only: store it now.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="My API tokens", description="Your tokens, newest first (never the secret)."),
    retrieve=extend_schema(summary="One of my API tokens"),
)
class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ApiToken
    serializer_class = TokenSerializer
    pagination_class = PageNumberPagination
    filter_backends = []

    def scoped(self):
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(
        summary="Create an API token",
        description="Only with the web session (and its CSRF token): a token cannot make more tokens. "
        "The answer carries the token itself, once.",
        request=TokenCreateSerializer,
        responses={201: NewTokenSerializer},
    )
    def create(self, request):
        if isinstance(request.auth, ApiToken):
            raise Forbidden(
                _("Tokens are created with your log-in session, not with another token."), code="session_required"
            )
        data = TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token, raw = token_create(user=request.user, **data.validated_data)
        except TokenError as error:
            fields = {error.field: [str(error.message)]} if error.field else {}
            raise Invalid(error.message, code=error.code, fields=fields) from None
        token.token = raw
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke an API token", request=None, responses={200: TokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        try:
            token = token_revoke(user=request.user, token_id=pk)
        except TokenError:
            raise NotFound(_("No such token.")) from None
        return Response(TokenSerializer(token).data)
