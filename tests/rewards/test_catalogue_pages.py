"""HR's catalogue pages: a reward in both languages with its picture, options, stock, approval and
activation; the picture checked, resized and served; the buyer's options on the redemption."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from ledger.models import Transaction
from rewards.models import Redemption, Reward, RewardActivation
from rewards.services import quote_create
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

LIST = reverse("hr-rewards")
NEW = reverse("hr-reward-create")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png(width: int = 1600, height: int = 1200, mode: str = "RGB") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new(mode, (width, height), "white" if mode == "RGB" else 1).save(out, format="PNG")
    return SimpleUploadedFile("hoodie.png", out.getvalue(), content_type="image/png")


def form(**changes) -> dict:
    data = {
        "name_fi": "Huppari", "name_en": "Hoodie", "description_fi": "Lämmin.",
        "description_en": "Warm.", "category": "design_goods", "base_price": "400", "stock": "5",
        "needs_approval": "on", "active": "on", "options": "Koko / Size: S, M, L, XL",
        "approver_note": "Check the size with the warehouse.",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_hr_adds_a_reward_with_picture_and_options_and_it_is_served_resized(media):
    # when
    response = signed_in(HRFactory()).post(NEW, form(picture=png()))
    # then
    reward = Reward.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hr-reward-edit", args=[reward.pk])
    assert (reward.name_fi, reward.name_en, reward.stock, reward.needs_approval) == (
        "Huppari", "Hoodie", 5, True,
    )  # fmt: skip
    assert reward.options == [
        {"name_fi": "Koko", "name_en": "Size", "choices": ["S", "M", "L", "XL"]}
    ]
    assert reward.approver_note == "Check the size with the warehouse."
    assert re.fullmatch(r"[0-9a-f]{32}\.webp", reward.picture)
    large = Image.open(media / "rewards" / reward.picture)
    small = Image.open(media / "rewards" / f"360-{reward.picture}")
    assert (large.format, large.size, small.size) == ("WEBP", (960, 720), (360, 270))
    # served, cached for good, to a signed-in person
    agent = signed_in(AgentFactory())
    served = agent.get(reverse("reward-picture", args=[reward.picture]))
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert "immutable" in served["Cache-Control"]
    assert b"".join(served.streaming_content).startswith(b"RIFF")
    assert Client().get(reverse("reward-picture", args=[reward.picture])).status_code == 302
    # and on the market card
    page = agent.get(reverse("market")).content.decode()
    assert reverse("reward-picture-small", args=["small", reward.picture]) in page


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.png", b"not a picture at all", content_type="image/png"), "not a"),
        (png(8000, 6000, mode="1"), "too many pixels"),
    ],
    ids=["not-an-image", "too-many-pixels"],
)
def test_a_bad_picture_is_refused_on_the_form_and_nothing_is_written(media, upload, message):
    client = signed_in(HRFactory())
    client.cookies["django_language"] = "en"
    response = client.post(NEW, form(picture=upload))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Reward.objects.exists()
    assert not (media / "rewards").exists() or not any((media / "rewards").iterdir())


def test_a_good_picture_with_a_refused_reward_leaves_no_file(media):
    # given: a readable picture, but four options where the catalogue takes three
    options = "\n".join(f"O{n} / O{n}: a, b" for n in range(4))
    # when
    response = signed_in(HRFactory()).post(NEW, form(options=options, picture=png()))
    # then: the form again, no reward and no file
    assert response.status_code == 200
    assert not Reward.objects.exists()
    assert not (media / "rewards").exists() or not any((media / "rewards").iterdir())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"options": "Size S, M"}, "Line 1"),
        ({"name_fi": ""}, "name_fi"),
        ({"base_price": "0"}, "base_price"),
        ({"options": "Koko / Size: S, S"}, "different choices"),
    ],
)
def test_bad_input_keeps_the_form_with_a_message_and_writes_nothing(changes, field):
    client = signed_in(HRFactory())
    client.cookies["django_language"] = "en"
    response = client.post(NEW, form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert field in page or 'aria-invalid="true"' in page
    assert not Reward.objects.exists()


def test_hr_changes_a_reward_removes_its_picture_and_takes_it_off_the_market(media):
    hr = signed_in(HRFactory())
    hr.post(NEW, form(picture=png()))
    reward = Reward.objects.get()
    edit = reverse("hr-reward-edit", args=[reward.pk])
    page = hr.get(edit).content.decode()
    assert "Koko / Size: S, M, L, XL" in page and 'value="Huppari"' in page
    # when
    response = hr.post(edit, form(name_en="Hooded top", active=None, picture_remove="on"))
    # then
    assert response.status_code == 302
    reward.refresh_from_db()
    assert (reward.name_en, reward.active, reward.picture) == ("Hooded top", False, "")
    assert list(
        RewardActivation.objects.filter(reward=reward).values_list("active", flat=True)
    ) == [
        True,
        False,
    ]
    listing = hr.get(LIST).content.decode()
    assert "Huppari" in listing and "Pois pörssistä" in listing


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_the_catalogue_pages_are_hr_only(who):
    user = AgentFactory() if who == "agent" else SupervisorFactory()
    reward = RewardFactory()
    client = signed_in(user)
    for url in (LIST, NEW, reverse("hr-reward-edit", args=[reward.pk])):
        assert client.get(url).status_code == 403
    assert client.post(NEW, form()).status_code == 403
    assert Reward.objects.count() == 1


def test_a_buyer_picks_the_options_and_the_approver_sees_them_with_hrs_note(crew, fund):
    # given: a hoodie with sizes that needs approval
    agent = crew.agents[0]
    fund([agent], 500)
    reward = RewardFactory(
        base_price=100, needs_approval=True, approver_note="Sizes run small.",
        options=[{"name_fi": "Koko", "name_en": "Size", "choices": ["S", "M", "L"]}],
    )  # fmt: skip
    quote = quote_create(employee=agent, reward=reward)
    client = signed_in(agent)
    confirm = reverse("redemption-confirm", args=[quote.pk])
    page = client.get(confirm).content.decode()
    assert 'name="option_0"' in page and ">M<" in page
    # when: no size picked, or one that is not offered: refused, nothing written
    before = (Redemption.objects.count(), Transaction.objects.count())
    for bad in ({}, {"option_0": "XXL"}):
        client.post(confirm, {"form_key": uuid.uuid4().hex, **bad})
    assert (Redemption.objects.count(), Transaction.objects.count()) == before
    # when: M
    client.post(confirm, {"form_key": uuid.uuid4().hex, "option_0": "M"})
    # then: on the redemption, the receipt and the approver's queue with HR's note
    redemption = Redemption.objects.get()
    assert redemption.options == [{"name_fi": "Koko", "name_en": "Size", "value": "M"}]
    receipt = client.get(reverse("redemption-receipt", args=[redemption.pk])).content.decode()
    assert "Koko: M" in receipt
    queue = signed_in(crew.supervisor).get(reverse("approvals")).content.decode()
    assert "Koko: M" in queue and "Sizes run small." in queue


def test_the_api_takes_options_on_a_reward_and_on_a_purchase(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 500)
    created = api(crew.hr).post(
        "/api/v1/rewards/",
        {
            "name_fi": "Pyörä",
            "name_en": "Bike",
            "base_price": 200,
            "options": [{"name_fi": "Väri", "name_en": "Colour", "choices": ["red", "blue"]}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    reward_id = created.json()["id"]
    assert created.json()["options"][0]["choices"] == ["red", "blue"]
    quote = api(agent).post(f"/api/v1/rewards/{reward_id}/quote/").json()
    before = (Redemption.objects.count(), Transaction.objects.count())
    refused = api(agent).post(
        "/api/v1/redemptions/", {"quote": quote["id"], "options": ["green"]}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    assert "options" in refused.json()["fields"]
    assert (Redemption.objects.count(), Transaction.objects.count()) == before
    bought = api(agent).post(
        "/api/v1/redemptions/", {"quote": quote["id"], "options": ["blue"]}, format="json"
    )
    assert bought.status_code == 201, bought.json()
    assert bought.json()["options"] == [{"name_fi": "Väri", "name_en": "Colour", "value": "blue"}]
