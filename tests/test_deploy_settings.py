"""Production settings unless DJANGO_ENV=development says otherwise, and docker-compose.yml's
environment passing `manage.py check --deploy` with no warning.

Each case starts a fresh Python: settings are read once per process, from its environment."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOW = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in [
    "DEBUG", "DEVELOPMENT", "SECRET_KEY", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_AGE", "SESSION_IDLE_MINUTES",
]}))
"""


def clean_env(**env: str) -> dict[str, str]:
    """Only what Python needs from this environment, plus `env`: nothing of the tests' own."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**keep, "DJANGO_SETTINGS_MODULE": "pojoporssi.settings", **env}


def settings_in(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{SHOW}"],
        cwd=ROOT, env=clean_env(**env), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_with_nothing_set_it_refuses_to_start_without_a_secret_key():
    result = settings_in()

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_production_is_the_default():
    result = settings_in(SECRET_KEY="k" * 60)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["DEBUG"] is False and shown["DEVELOPMENT"] is False
    assert shown["SESSION_COOKIE_SECURE"] is True and shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SESSION_COOKIE_AGE"] == 12 * 3600 and shown["SESSION_IDLE_MINUTES"] == 30


def test_production_ignores_an_opt_out_of_secure_cookies():
    result = settings_in(SECRET_KEY="k" * 60, SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="0")

    shown = json.loads(result.stdout)
    assert shown["SESSION_COOKIE_SECURE"] is True and shown["CSRF_COOKIE_SECURE"] is True


def test_debug_needs_development():
    result = settings_in(SECRET_KEY="k" * 60, DEBUG="true")

    assert result.returncode != 0
    assert "only allowed with DJANGO_ENV=development" in result.stderr


def test_an_unknown_environment_name_is_refused():
    result = settings_in(SECRET_KEY="k" * 60, DJANGO_ENV="prod")

    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


def test_development_turns_debug_on_and_allows_the_demo_over_http():
    result = settings_in(DJANGO_ENV="development")

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["DEBUG"] is True and shown["DEVELOPMENT"] is True
    assert shown["SECRET_KEY"].startswith("dev-only")
    assert shown["SESSION_COOKIE_SECURE"] is False and shown["CSRF_COOKIE_SECURE"] is False


def test_https_settings_come_from_the_environment():
    result = settings_in(
        SECRET_KEY="k" * 60, BEHIND_PROXY="true", SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="600",
    )  # fmt: skip

    shown = json.loads(result.stdout)
    assert shown["SECURE_SSL_REDIRECT"] is True and shown["SECURE_HSTS_SECONDS"] == 600
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def compose_web_environment(secret_key: str) -> dict[str, str]:
    """web's environment as docker compose would give it, with SECRET_KEY exported and every
    other ${VAR:-default} left at its default."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {str(k): str(v) for k, v in compose["services"]["web"]["environment"].items()}

    def substitute(value: str) -> str:
        def one(match: re.Match[str]) -> str:
            name, op, arg = match.group(1), match.group(2), match.group(3)
            if name == "SECRET_KEY":
                return secret_key
            assert op == ":-", f"${{{name}{op}...}} has no default"
            return arg

        return re.sub(r"\$\{(\w+)(:[-?])([^}]*)\}", one, value)

    return {name: substitute(value) for name, value in env.items()}


def test_check_deploy_is_clean_with_the_compose_environment():
    env = compose_web_environment(secrets.token_urlsafe(50))
    assert env["DJANGO_ENV"] == "production"
    assert "DEBUG" not in env
    # DATABASE_URL and REDIS_URL name the compose network's hosts, unknown here: the deploy
    # checks connect to neither, so they stay as compose gives them.

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=clean_env(**env), capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
