"""Helpers for the audit log's tests."""

from __future__ import annotations


def admin_login(client, person) -> None:
    """Sign `person` in to the admin with every permission (the deployment grants HR's)."""
    person.is_staff = person.is_superuser = True
    person.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(person)
