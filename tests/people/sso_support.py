"""A real OpenID Connect provider for the tests, and our settings pointed at it.

`oidc_provider` starts django-oauth-toolkit (OIDC on, an RS256 key made at start, PKCE required)
as a second Django process on a free loopback port (tests/people/oidc_provider/), with its own
SQLite database in a temporary folder. `sso_on` switches our single sign-on on for one test,
registered at that provider as a confidential client.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from people.sso.discovery import discovery_forget

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "pojoporssi-tests"
CLIENT_SECRET = "client-secret-for-tests-only-0123456789"
OP_PASSWORD = "provider-password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    process: subprocess.Popen[bytes]

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def post(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def person(self, username: str, **claims: Any) -> None:
        """A person at the provider (password OP_PASSWORD) and the claims it tells about them."""
        self.post("/test/seed/", {"users": {username: {"password": OP_PASSWORD, "claims": claims}}})

    def register(self, rp_url: str) -> None:
        self.post(
            "/test/seed/",
            {
                "client": {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uri": f"{rp_url}/sso/callback/",
                    "post_logout_redirect_uri": f"{rp_url}/login/",
                }
            },
        )


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "op-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.people.oidc_provider.settings",
        "OP_DIR": str(folder),
        "OP_ISSUER": f"{url}/o",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    log = (folder / "op.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    provider = Provider(url=url, process=process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(provider.discovery_url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the test identity provider did not start:\n" + (folder / "op.log").read_text()
                )
            time.sleep(0.2)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def sso_on(settings: Any, oidc_provider: Provider, live_server: Any) -> Iterator[Provider]:
    """Our single sign-on, on, against the test provider; the live server is its client."""
    settings.OIDC_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.SSO_ENABLED = True
    settings.OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    settings.OIDC_PROVIDER_NAME = "Testi-IdP"
    settings.OIDC_ROLE_MAP = {"pojo-hr": "hr", "pojo-supervisors": "supervisor"}
    settings.OIDC_TIMEOUT = 10
    discovery_forget()
    oidc_provider.register(live_server.url)
    yield oidc_provider
    discovery_forget()
