"""An expired session must not strand anyone: sign in again, land on a page, not on a 405."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.http import view_answers_get
from rewards.models import Wish
from tests.people.factories import PASSWORD, AgentFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
HOME = reverse("home")
MARKET = reverse("market")


def test_a_signed_out_post_is_sent_to_sign_in_and_back_to_the_forms_page(client):
    reward = RewardFactory()

    # given: a market page left open until the session expired; the form is sent
    response = client.post(
        reverse("wish-add", args=[reward.pk]), HTTP_REFERER=f"http://testserver{MARKET}?q=x"
    )

    # then: sign in, coming back to the page the form was on (not the POST-only address)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/market/%3Fq%3Dx"
    assert not Wish.objects.exists()


@pytest.mark.parametrize(
    "referer",
    [
        pytest.param(None, id="no-referer"),
        pytest.param("https://evil.example/market/", id="foreign-referer"),
        pytest.param("http://testserver/wishes/1/remove/", id="post-only-referer"),
    ],
)
def test_a_signed_out_post_without_a_usable_form_page_comes_back_home(client, referer):
    extra = {"HTTP_REFERER": referer} if referer else {}

    response = client.post(reverse("wish-remove", args=[1]), **extra)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_a_signed_out_get_keeps_its_own_next(client):
    response = client.get(MARKET)

    assert response["Location"] == f"{LOGIN}?next={MARKET}"


def test_signing_in_with_next_a_post_only_address_lands_on_home(client):
    AgentFactory(username="aino")

    response = client.post(
        f"{LOGIN}?next={reverse('wish-remove', args=[1])}",
        {"username": "aino", "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(response["Location"]).status_code == 200


def test_signing_in_with_next_a_page_lands_on_it(client):
    AgentFactory(username="aino")

    response = client.post(f"{LOGIN}?next={MARKET}", {"username": "aino", "password": PASSWORD})

    assert response["Location"] == MARKET


def test_the_sign_in_form_does_not_carry_a_post_only_next(client):
    page = client.get(f"{LOGIN}?next={reverse('wish-remove', args=[1])}").content.decode()

    assert 'name="next" value="/wishes/1/remove/"' not in page
    assert 'name="next" value=""' in page or 'name="next"' not in page


@pytest.mark.parametrize(
    ("path", "answers"),
    [
        ("/", True),  # a function view
        ("/market/", True),
        ("/wishes/1/remove/", False),  # @login_required @require_POST
        ("/language/", False),  # @require_POST alone
        ("/logout/", False),  # a class-based view without get()
        ("/login/", True),
        ("/api/v1/rewards/", True),  # a DRF viewset route
        ("/api/v1/notifications/read/", False),  # a POST-only APIView
        ("/no/such/page/", False),
    ],
)
def test_view_answers_get_reads_the_views_methods(path, answers):
    assert view_answers_get(path) is answers


def test_api_docs_signed_out_go_to_sign_in_and_the_schema_stays_json(client):
    docs = reverse("api-docs")

    response = client.get(docs)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={docs}"

    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 401  # a refusal in the API's format, not a redirect
    assert b"not_authenticated" in schema.content


def test_api_docs_signed_in_is_the_swagger_page_without_inline_script(client):
    client.force_login(AgentFactory())

    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "<script>" not in page  # its start-up script is a file (?script), allowed by 'self'
    # Directives by name: django-csp does not keep their order from one run to the next.
    policy = {
        d.split()[0]: d.split()[1:]
        for d in response["Content-Security-Policy"].split(";")
        if d.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"][:2] == ["'self'", "'unsafe-inline'"]

    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
