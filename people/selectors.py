"""Reads about people and teams."""

from __future__ import annotations

from django.db.models import QuerySet

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


def teams_led_by(*, supervisor: User) -> QuerySet[Team]:
    return Team.objects.filter(leaders=supervisor).order_by("name")
