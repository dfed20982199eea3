"""What a Teams or Slack post looks like: an Adaptive Card 1.4 in a Teams workflow message, Block
Kit with a fallback text for a Slack incoming webhook; and which webhook URLs may be posted to."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.chat import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    ChatFact,
    ChatMessage,
    event_kind,
    slack_payload,
    teams_payload,
)
from notifications.chat_services import backoff_seconds, retry_after_seconds, webhook_url_problem

# Adaptive Cards 1.4: the element and action types a card may hold (adaptivecards.io/explorer).
CARD_ELEMENTS = {
    "TextBlock",
    "Image",
    "RichTextBlock",
    "Media",
    "Container",
    "ColumnSet",
    "FactSet",
    "ImageSet",
    "ActionSet",
    "Table",
}
CARD_ACTIONS = {"Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility"}
SLACK_BLOCKS = {"header", "section", "context", "divider", "actions", "image", "rich_text"}


def assert_teams_workflow_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The shape a "When a Teams webhook request is received" workflow takes; returns the card."""
    assert payload["type"] == "message"
    assert isinstance(payload["attachments"], list) and len(payload["attachments"]) == 1
    attachment = payload["attachments"][0]
    assert attachment["contentType"] == ADAPTIVE_CARD_CONTENT_TYPE
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.4"
    assert card["body"], "a card shows something"
    for element in card["body"]:
        assert element["type"] in CARD_ELEMENTS
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"]
        if element["type"] == "FactSet":
            for fact in element["facts"]:
                assert set(fact) == {"title", "value"}
                assert all(isinstance(v, str) for v in fact.values())
    for action in card.get("actions", []):
        assert action["type"] in CARD_ACTIONS
        if action["type"] == "Action.OpenUrl":
            assert action["url"].startswith(("https://", "http://")) and action["title"]
    return card


def assert_slack_message(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """An incoming webhook's body: the fallback `text` and Block Kit blocks within their limits."""
    assert isinstance(payload["text"], str) and payload["text"]
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        assert block["type"] in SLACK_BLOCKS
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] in {"mrkdwn", "plain_text"}
                assert len(block["text"]["text"]) <= 3000
            for item in block.get("fields", []):
                assert item["type"] in {"mrkdwn", "plain_text"} and len(item["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            for element in block["elements"]:
                assert element["type"] == "button" and element["text"]["type"] == "plain_text"
    return blocks


MESSAGE = ChatMessage(
    title_fi="Aino sai 20 pistettä",
    title_en="Aino received 20 points",
    text_fi="“Kiitos <!channel> & kaikki”",
    text_en="“Thanks <!channel> & all”",
    facts=(
        ChatFact("Peruste", "Reason", "Asiakaspalaute", "Customer feedback"),
        ChatFact("Antaja", "Awarded by", "Sanna"),
    ),
    link="/",
)


def test_a_teams_post_is_an_adaptive_card_in_the_channels_language(settings):
    settings.SITE_URL = "https://pojo.example"

    fi = assert_teams_workflow_message(teams_payload(MESSAGE, language="fi"))
    en = assert_teams_workflow_message(teams_payload(MESSAGE, language="en"))

    assert fi["body"][0]["text"] == "Aino sai 20 pistettä"
    assert en["body"][0]["text"] == "Aino received 20 points"
    assert en["body"][2]["facts"] == [
        {"title": "Reason", "value": "Customer feedback"},
        {"title": "Awarded by", "value": "Sanna"},  # one value for both languages
    ]
    assert fi["actions"] == [
        {"type": "Action.OpenUrl", "title": "Avaa Pojopörssissä", "url": "https://pojo.example/"}
    ]


def test_a_slack_post_is_block_kit_with_a_fallback_and_escaped_text(settings):
    settings.SITE_URL = "https://pojo.example"

    payload = slack_payload(MESSAGE, language="en")
    blocks = assert_slack_message(payload)

    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Aino received 20 points", "emoji": True},
    }
    # What people wrote cannot ping the channel or forge a link.
    assert blocks[1]["text"]["text"] == "“Thanks &lt;!channel&gt; &amp; all”"
    assert "<!channel>" not in str(payload)
    assert blocks[2]["fields"][0]["text"] == "*Reason*\nCustomer feedback"
    assert blocks[3]["elements"][0]["url"] == "https://pojo.example/"
    assert payload["text"].startswith("Aino received 20 points: ")


def test_long_texts_and_many_facts_stay_within_block_kit_limits():
    message = ChatMessage(
        title_fi="x" * 400,
        title_en="x" * 400,
        text_fi="y" * 5000,
        text_en="y" * 5000,
        facts=tuple(ChatFact(f"l{i}", f"l{i}", "v" * 3000) for i in range(23)),
    )
    assert_slack_message(slack_payload(message, language="fi"))
    assert_teams_workflow_message(teams_payload(message, language="fi"))


def test_an_event_key_must_name_its_kind():
    assert event_kind("award:1") == "award"
    with pytest.raises(ValueError):
        event_kind("purchase:1")


# --- Which URLs may be posted to ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/services/T/B/x",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.5/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "https://user:pw@8.8.8.8/hook",
        "ftp://8.8.8.8/hook",
        "https:///nohost",
    ],
)
def test_production_refuses_http_and_private_or_local_addresses(settings, url):
    settings.CHAT_WEBHOOK_ALLOW_HTTP = False
    assert webhook_url_problem(url) is not None


def test_production_accepts_a_public_https_address(settings):
    settings.CHAT_WEBHOOK_ALLOW_HTTP = False
    assert webhook_url_problem("https://8.8.8.8/workflows/hook") is None


def test_the_opt_in_allows_a_local_http_receiver(settings):
    settings.CHAT_WEBHOOK_ALLOW_HTTP = True
    assert webhook_url_problem("http://127.0.0.1:8999/hook") is None
    assert webhook_url_problem("ftp://127.0.0.1/hook") is not None


# --- Back-off -----------------------------------------------------------------------------------


def test_back_off_doubles_with_jitter_honours_retry_after_and_is_capped(settings):
    settings.CHAT_RETRY_BASE_SECONDS = 10
    settings.CHAT_RETRY_MAX_SECONDS = 3600
    for attempts, (low, high) in {1: (5, 10), 2: (10, 20), 3: (20, 40), 5: (80, 160)}.items():
        delays = {backoff_seconds(attempts) for _ in range(50)}
        assert all(low <= d <= high for d in delays)
        assert len(delays) > 1, "jittered"
    assert backoff_seconds(1, retry_after=120) == 120
    assert backoff_seconds(30) == 3600


def test_retry_after_is_read_as_seconds_or_an_http_date():
    from datetime import UTC, datetime

    now = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("Mon, 07 Dec 2026 12:01:00 GMT", now=now) == 60
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
