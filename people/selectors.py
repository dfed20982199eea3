"""Reads about people and teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from knox.models import AuthToken

from .models import Team, User


def team_members_of(*, supervisor: User) -> QuerySet[User]:
    """Active members of every team `supervisor` leads, never the supervisor themself."""
    return (
        User.objects.filter(is_active=True, team__leaders=supervisor)
        .exclude(pk=supervisor.pk)
        .select_related("team")
        .distinct()
        .order_by("display_name", "username")
    )


def person_is_led_by(*, person: User, supervisor: User) -> bool:
    return (
        person.pk != supervisor.pk
        and person.team_id is not None
        and Team.objects.filter(pk=person.team_id, leaders=supervisor).exists()
    )


def person_leadership(*, person: User, supervisor: User) -> bool | None:
    """None if `supervisor` does not lead `person`'s team; else whether `person` leads any team
    themself. One query, the one `person_is_led_by` costs."""
    if person.pk == supervisor.pk or person.team_id is None:
        return None
    leads = Team.leaders.through.objects.filter(user_id=person.pk)
    return (
        Team.objects.filter(pk=person.team_id, leaders=supervisor)
        .annotate(person_leads=Exists(leads))
        .values_list("person_leads", flat=True)
        .first()
    )


def leaders_excluded(people: QuerySet[User]) -> QuerySet[User]:
    """`people` without anyone who leads a team."""
    leads = Team.leaders.through.objects.filter(user_id=OuterRef("pk"))
    return people.exclude(Exists(leads))


def teams_led_by(*, supervisor: User) -> QuerySet[Team]:
    return Team.objects.filter(leaders=supervisor).order_by("name")


def people_by_username(*, usernames: Iterable[str]) -> dict[str, User]:
    """Existing people by lower-cased username (usernames are unique case-insensitively)."""
    found = User.objects.annotate(key=Lower("username")).filter(
        key__in={name.lower() for name in usernames}
    )
    return {user.key: user for user in found}


def api_tokens_of(*, user: User) -> QuerySet[AuthToken]:
    """`user`'s API tokens still valid, newest first (an expired one is swept at next sign-in)."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
