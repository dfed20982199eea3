"""`seed_demo` publishes a superuser's password: it refuses to run outside development."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from people.models import User
from rewards.models import Reward
from tests.people.factories import HRFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_outside_development(settings):
    settings.DEVELOPMENT = False  # what the settings say with DJANGO_ENV unset

    with pytest.raises(CommandError, match="DJANGO_ENV=development") as refused:
        call_command("seed_demo", stdout=StringIO())

    assert "--force" in str(refused.value)
    assert not User.objects.exists()
    assert not Reward.objects.exists()


def test_seed_demo_runs_outside_development_when_forced(settings):
    settings.DEVELOPMENT = False
    HRFactory(username="hr")  # an older demo: the forced run only adds the catalogue (quick)

    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)

    assert "added the" in out.getvalue()
    assert Reward.objects.exists()
