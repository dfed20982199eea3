"""PostgreSQL itself refuses to change or remove an audit event: UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import pytest
from django.db import InternalError, connection, transaction

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from tests.people.factories import HRFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(postgres) -> AuditEvent:
    return audit_record(actor=HRFactory(), action=AuditAction.PEOPLE_CREATED, details={"a": 1})


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET details = '{}'::jsonb WHERE id = %s",
        "UPDATE audit_auditevent SET actor_id = NULL WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_raw_update_and_delete_are_refused(event, sql):
    with (
        pytest.raises(InternalError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])

    event.refresh_from_db()
    assert event.details == {"a": 1} and event.actor_id is not None


def test_truncate_is_refused(event):
    with (
        pytest.raises(InternalError, match="Cannot truncate"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The actor's foreign key check is deferred; PostgreSQL refuses to truncate a table
        # with pending checks before any trigger runs, so settle them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE audit_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_orm_is_refused_too(event):
    with pytest.raises(InternalError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(InternalError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DRAWING_CLOSED)

    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.PEOPLE_CREATED


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action=AuditAction.DRAWING_CLOSED)

    assert not AuditEvent.objects.exists()
