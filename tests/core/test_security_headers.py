"""The Content Security Policy on pages and the API, and templates that need nothing inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.people.factories import AgentFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
STRICT = "default-src 'self'"


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_pages_have_a_strict_policy(client):
    client.force_login(AgentFactory())

    for url in (reverse("login"), reverse("home"), reverse("market")):
        response = client.get(url)
        assert response.status_code in (200, 302)
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]


def test_the_api_has_the_policy_too(client):
    client.force_login(AgentFactory())

    response = client.get(reverse("api-me"))

    assert response.status_code == 200
    assert STRICT in response["Content-Security-Policy"]


def test_the_sign_in_page_is_not_framed_and_not_sniffed(client):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "inline style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_unsafe_inline():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    templates = [t for t in templates if ".venv" not in t.parts]
    assert templates
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []
