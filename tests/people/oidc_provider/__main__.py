"""Run the test identity provider by hand, to try single sign-on on a local install:

    .venv/bin/python -m tests.people.oidc_provider --port 8102 --app http://127.0.0.1:8101

then start the app with the environment it prints (README, "Single sign-on"). Its people sign in
with the password `provider-password-1`: `pekka` (HR by the `pojo-hr` group), `sini` (a
supervisor) and `olli` (no group: an agent). A throwaway provider for trying things: its
database and key live in a temporary folder removed when it stops.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "provider-password-1"
CLIENT_ID = "pojoporssi-demo"
CLIENT_SECRET = "demo-client-secret-not-for-production"
PEOPLE = {
    "pekka": {"groups": ["pojo-hr"], "name": "Pekka Provider"},
    "sini": {"groups": ["pojo-supervisors"], "name": "Sini Sso"},
    "olli": {"groups": [], "name": "Olli Oidc"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--app", default="http://127.0.0.1:8101", help="the app's address")
    args = parser.parse_args()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    with tempfile.TemporaryDirectory(prefix="oidc-provider-") as folder:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        Path(folder, "op-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        url = f"http://127.0.0.1:{args.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.people.oidc_provider.settings",
            "OP_DIR": folder,
            "OP_ISSUER": f"{url}/o",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], env=env, check=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{url}/o/.well-known/openid-configuration", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            seed = {
                "client": {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uri": f"{args.app}/sso/callback/",
                    "post_logout_redirect_uri": f"{args.app}/login/",
                },
                "users": {
                    username: {
                        "password": PASSWORD,
                        "claims": {
                            "sub": f"demo-{username}",
                            "preferred_username": f"{username}.sso",
                            "email": f"{username}@example.com",
                            "email_verified": True,
                            **claims,
                        },
                    }
                    for username, claims in PEOPLE.items()
                },
            }
            request = urllib.request.Request(
                f"{url}/test/seed/",
                data=json.dumps(seed).encode(),
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(request, timeout=10)
            print(
                "\nThe identity provider is up. Start the app with:\n\n"
                f"  OIDC_CLIENT_ID={CLIENT_ID} OIDC_CLIENT_SECRET={CLIENT_SECRET} \\\n"
                f"  OIDC_DISCOVERY_URL={url}/o/.well-known/openid-configuration \\\n"
                "  OIDC_PROVIDER_NAME=Demo-IdP OIDC_CREATE_USERS=true \\\n"
                "  OIDC_ROLE_MAP=pojo-hr=hr,pojo-supervisors=supervisor \\\n"
                f"  PORT={args.app.rsplit(':', 1)[-1]} scripts/run.sh\n\n"
                f"and sign in as pekka, sini or olli with the password {PASSWORD}.\n",
                flush=True,
            )
            server.wait()
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
