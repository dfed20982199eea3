"""People and teams API (`/api/v1/people/`, `/api/v1/teams/`, `/api/v1/me/`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api import FieldsOnceMixin, IdField, IsHR, IsHROrReadOnly
from core.errors import InvalidInputError
from core.schema import ErrorSerializer

from . import services
from .authentication import TokenAuthentication
from .errors import PasswordLoginDisabledError
from .models import EmploymentType, Language, Role, Team, User
from .selectors import api_tokens_of, team_members_of


class TeamRefSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class PersonRefSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name"]


class PersonSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer(read_only=True, allow_null=True)  # supervisors and HR have none
    teams_led = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id", "username", "display_name", "email", "role", "employment_type",
            "preferred_language", "team", "teams_led", "is_active", "date_joined",
        ]  # fmt: skip

    def get_teams_led(self, obj: User) -> list[dict[str, Any]]:
        return list(TeamRefSerializer(obj.led_teams.all(), many=True).data)


def _actor(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _team_from(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise InvalidInputError(fields={"team": ["No such team."]})
    return team


class PersonCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$")
    display_name = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.AGENT)
    team = IdField(required=False, allow_null=True)
    employment_type = serializers.ChoiceField(
        choices=EmploymentType.choices, default=EmploymentType.PERMANENT
    )
    preferred_language = serializers.ChoiceField(choices=Language.choices, default=Language.FI)
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class PersonUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    team = IdField(required=False, allow_null=True)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices, required=False)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """HR manages people; a supervisor sees their teams' members; anyone sees themself."""

    lookup_value_regex = r"\d+"

    serializer_class = PersonSerializer
    filterset_fields: list[str] = []

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "partial_update", "update", "deactivate"):
            return [IsHR()]
        return list(super().get_permissions())

    def get_queryset(self) -> QuerySet[User]:
        user = self.request.user
        qs = User.objects.select_related("team").prefetch_related("led_teams").order_by("id")
        if getattr(user, "is_hr", False):
            return qs
        assert isinstance(user, User)
        visible = {user.pk, *team_members_of(supervisor=user).values_list("pk", flat=True)}
        return qs.filter(pk__in=visible)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request: Request) -> Response:
        data = PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["team"] = _team_from(values.get("team"))
        person = services.person_create(**values, actor=_actor(request))
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        data = PersonUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "team" in values:
            values["team"] = _team_from(values["team"])
        person = services.person_update(person=person, **values, actor=_actor(request))
        return Response(PersonSerializer(person).data)

    @extend_schema(
        request=None,
        responses=PersonSerializer,
        summary="Someone leaves: deactivate, keep the ledger",
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        person = services.person_deactivate(person=self.get_object(), actor=_actor(request))
        return Response(PersonSerializer(person).data)


class TeamSerializer(serializers.ModelSerializer):
    leaders = PersonRefSerializer(many=True, read_only=True)
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "leaders", "member_count"]

    def get_member_count(self, obj: Team) -> int:
        return obj.members.filter(is_active=True).count()


class TeamWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    leaders = serializers.ListField(child=IdField(), required=False)


def _leaders_from(ids: list[int] | None) -> list[User] | None:
    if ids is None:
        return None
    leaders = list(User.objects.filter(pk__in=ids))
    if len(leaders) != len(set(ids)):
        raise InvalidInputError(fields={"leaders": ["No such person."]})
    return leaders


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Everyone may read the teams; HR creates and changes them."""

    lookup_value_regex = r"\d+"

    serializer_class = TeamSerializer
    permission_classes = [IsHROrReadOnly]
    queryset = Team.objects.prefetch_related("leaders").order_by("name")

    @extend_schema(request=TeamWriteSerializer, responses={201: TeamSerializer})
    def create(self, request: Request) -> Response:
        data = TeamWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.team_create(
            actor=_actor(request),
            name=data.validated_data["name"],
            leaders=_leaders_from(data.validated_data.get("leaders")),
        )
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamWriteSerializer, responses=TeamSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        team = self.get_object()
        data = TeamWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        team = services.team_update(
            actor=_actor(request),
            team=team,
            name=data.validated_data.get("name"),
            leaders=_leaders_from(data.validated_data.get("leaders")),
        )
        return Response(TeamSerializer(team).data)


# --- Sign-in for API clients: tokens (django-rest-knox) -------------------------------------


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class TokenCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="The token stops working then.")


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the secret (which is not stored anyway)."""

    id = serializers.CharField(source="token_key", help_text="The token's first characters.")
    current = serializers.SerializerMethodField(help_text="The token of this very request.")

    class Meta:
        model = AuthToken
        fields = ["id", "created", "expiry", "current"]

    def get_current(self, obj: AuthToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, AuthToken) and auth.digest == obj.digest


def _me(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class TokenCreateApi(APIView):
    """Sign in with username and password for a new API token, valid API_TOKEN_TTL_HOURS."""

    authentication_classes: list[Any] = []  # no session, hence no CSRF: a client signs in here
    permission_classes = [AllowAny]
    # Per address; django-axes locks out per username and per address on top of it.
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=TokenCreateSerializer,
        responses={
            200: TokenCreatedSerializer,
            400: _error("`invalid`: a field is missing or the credentials are wrong."),
            403: _error(
                "`password_login_disabled`: this install signs in through single sign-on only."
            ),
            429: _error(
                "`locked_out`: too many failed sign-ins for this username or address "
                "(see Retry-After), or `rate_limited`."
            ),
        },
        summary="Sign in: a new token",
    )
    def post(self, request: Request) -> Response:
        if not settings.PASSWORD_LOGIN_ENABLED:
            raise PasswordLoginDisabledError()
        data = TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: axes marks a lockout on the object its
        # middleware sees.
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if not isinstance(user, User):
            raise InvalidInputError(
                fields={"non_field_errors": [_("Unable to sign in with these credentials.")]}
            )
        issued = services.api_token_create(user=user)
        # What login() would send: axes resets the username's failures, last_login moves.
        user_logged_in.send(sender=User, request=request._request, user=user)
        return Response(
            TokenCreatedSerializer({"token": issued.key, "expiry": issued.token.expiry}).data
        )


class LogoutApi(APIView):
    """Sign out this client: the token of this request stops working."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(
        request=None,
        responses={204: None, 401: _error("`not_authenticated`: no valid token was sent.")},
        summary="Sign out: revoke this token",
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, AuthToken)
        services.api_token_revoke_current(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    """Sign out everywhere: every token of mine stops working."""

    @extend_schema(
        request=None,
        responses={204: None, 401: _error("`not_authenticated`")},
        summary="Sign out everywhere: revoke all my tokens",
    )
    def post(self, request: Request) -> Response:
        services.api_tokens_revoke_all(user=_me(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListApi(ListAPIView):
    """My API tokens still valid, newest first."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[AuthToken]:
        return api_tokens_of(user=_me(self.request))


class TokenRevokeApi(APIView):
    """Revoke one of my API tokens by its id."""

    @extend_schema(
        request=None,
        responses={
            204: None,
            401: _error("`not_authenticated`"),
            404: _error("`unknown_token`: no token of yours has this id."),
        },
        summary="Revoke one of my tokens",
    )
    def delete(self, request: Request, token_id: str) -> Response:
        services.api_token_revoke(user=_me(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
