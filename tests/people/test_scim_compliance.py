"""The SCIM server checked by scim2-tester (a SCIM 2.0 compliance checker) through
scim2-client, both over real HTTP against a live server."""

from __future__ import annotations

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from .scim_support import TOKEN, enable_scim

pytestmark = pytest.mark.usefixtures("transactional_db")

# Where this server departs from the RFC on purpose (README "Provisioning (SCIM 2.0)"):
# (resource type, check, words of its reason) -> why.
DEVIATIONS = {
    ("User", "object_deletion", "still exists after deletion"): (
        "DELETE deactivates: a person with a ledger is never deleted"
    ),
    ("User", "check_remove_attribute", "did not remove attribute 'displayName'"): (
        "a person always has a name to show (the user name stands in)"
    ),
    ("User", "check_remove_attribute", "did not remove attribute 'preferredLanguage'"): (
        "the language falls back to Finnish, the default"
    ),
    ("User", "check_remove_attribute", "Failed to remove attribute 'active'"): (
        "active is true or false, never absent: 400 mutability"
    ),
    ("Group", "object_query_with_attributes", "'externalId' missing"): "teams keep no externalId",
    ("Group", "object_list_with_attributes", "'externalId' missing"): "teams keep no externalId",
    ("Group", "check_add_attribute", "'externalId'"): "teams keep no externalId",
    ("Group", "check_replace_attribute", "'externalId'"): "teams keep no externalId",
}


def test_scim2_tester_finds_no_error(settings, live_server) -> None:
    # given
    enable_scim(settings)
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    client = SyncSCIMClient(http)
    # when
    results = check_server(client)
    # then
    errors = [
        f"{r.resource_type} {r.title}: {r.reason}"
        for r in results
        if r.status in (Status.ERROR, Status.CRITICAL)
        and not any(
            (r.resource_type, r.title) == (kind, title) and phrase in (r.reason or "")
            for (kind, title, phrase) in DEVIATIONS
        )
    ]
    assert not errors, "\n".join(errors)
    assert sum(r.status == Status.SUCCESS for r in results) > 50
