"""Passwords go through all four of Django's validators."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.people.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("Kx7-pq2", "password_too_short", id="short"),
        pytest.param("password123", "password_too_common", id="common"),
        pytest.param("4815162342108", "password_entirely_numeric", id="numeric"),
        pytest.param("ainokorhonen", "password_too_similar", id="like-the-name"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    user = AgentFactory(username="ainokorhonen", display_name="Aino Korhonen")

    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)

    assert code in [error.code for error in refused.value.error_list]


def test_a_good_password_passes():
    user = AgentFactory(username="ainokorhonen")

    validate_password("kesä-aurinko-paistaa-7", user)
