"""The hand-written hot-path reads and the plain INSERT (`core.sql`) give what the ORM gives."""

from __future__ import annotations

import psycopg2
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from core import sql
from ledger.models import AwardReason
from ledger.services import award_recipient
from notifications.models import ChatChannel
from rewards.models import Reward
from rewards.selectors import reward_for_quote
from tests.rewards.drawing_support import make_drawing
from tests.rewards.factories import RewardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def test_insert_writes_the_row_the_orm_reads_back_and_sets_the_key():
    reason = sql.insert(
        AwardReason(code="sql-insert", name_fi="Nimi", name_en="Name", suggested_min=1,
                    suggested_max=5)
    )  # fmt: skip
    assert reason.pk is not None and not reason._state.adding
    stored = AwardReason.objects.get(pk=reason.pk)
    assert (stored.code, stored.name_en, stored.active, stored.position) == (
        "sql-insert", "Name", True, 0,
    )  # fmt: skip


def test_insert_keeps_the_databases_constraints():
    sql.insert(
        AwardReason(code="twice", name_fi="a", name_en="a", suggested_min=1, suggested_max=2)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert(
            AwardReason(code="twice", name_fi="b", name_en="b", suggested_min=1, suggested_max=2)
        )
    assert AwardReason.objects.filter(code="twice").count() == 1


def test_the_quote_read_sees_drawings_and_hides_inactive_rewards_from_all_but_hr(crew):
    agent, hr = crew.agents[0], crew.hr
    reward = RewardFactory(stock=3)
    found = reward_for_quote(user=agent, reward_id=reward.pk)
    assert found == reward and found.in_live_drawing is False
    assert found.current_price == reward.current_price
    make_drawing(reward=reward, hr=hr)
    assert reward_for_quote(user=agent, reward_id=reward.pk).in_live_drawing is True
    Reward.objects.filter(pk=reward.pk).update(active=False)
    assert reward_for_quote(user=agent, reward_id=reward.pk) is None
    assert reward_for_quote(user=hr, reward_id=reward.pk) == reward


def test_the_award_recipient_read_answers_what_award_create_asks(crew):
    sup, agent = crew.supervisor, crew.agents[0]
    recipient = award_recipient(giver=sup, recipient_id=agent.pk)
    assert recipient == agent
    assert recipient.led_by_giver is True and recipient.leads_a_team is False
    assert recipient.team.pk == agent.team_id and recipient.team.name == agent.team.name
    lead = award_recipient(giver=agent, recipient_id=sup.pk)
    assert lead.leads_a_team is True and lead.led_by_giver is False
    assert award_recipient(giver=sup, recipient_id=10**12) is None


def test_the_award_recipient_read_brings_the_published_reason_and_the_teams_chat(crew, reason):
    sup, agent = crew.supervisor, crew.agents[0]
    found = award_recipient(giver=sup, recipient_id=agent.pk, reason_code=reason.code)
    assert found.award_reason == reason
    assert (found.award_reason.name_en, found.award_reason.active) == (reason.name_en, True)
    assert found.team_hears_awards is False
    assert not [k for k in vars(found) if k.startswith("reason__")]  # folded into the reason
    assert (
        award_recipient(giver=sup, recipient_id=agent.pk, reason_code="nope").award_reason is None
    )
    AwardReason.objects.filter(pk=reason.pk).update(active=False)
    assert (
        award_recipient(giver=sup, recipient_id=agent.pk, reason_code=reason.code).award_reason
        is None
    )

    channel = ChatChannel.objects.create(
        team=crew.team, kind="slack", name="#t", webhook_url="http://127.0.0.1:9/hook"
    )
    assert award_recipient(giver=sup, recipient_id=agent.pk).team_hears_awards is True
    ChatChannel.objects.filter(pk=channel.pk).update(post_awards=False)
    assert award_recipient(giver=sup, recipient_id=agent.pk).team_hears_awards is False


def test_rows_make_the_instances_raw_makes(crew):
    """Converters (JSON, datetimes), columns the model lacks (as attributes), the model's field
    order whatever the column order, and fields not selected left deferred."""
    reward = RewardFactory(
        stock=2, options=[{"name_fi": "Koko", "name_en": "Size", "choices": ["S", "M"]}]
    )
    table = sql.table(Reward)
    query = f"SELECT 7 AS extra, r.* FROM {table} r WHERE r.id = %s"
    mine = sql.first(Reward, query, [reward.pk])
    theirs = next(iter(Reward.objects.raw(query, [reward.pk])))
    fields = [f.attname for f in Reward._meta.concrete_fields]
    assert [getattr(mine, f) for f in fields] == [getattr(theirs, f) for f in fields]
    assert mine.options[0]["choices"] == ["S", "M"] and mine.extra == 7
    assert mine.created_at == reward.created_at and not mine._state.adding

    partial = sql.first(Reward, f"SELECT name_en, id FROM {table} WHERE id = %s", [reward.pk])
    assert (partial.pk, partial.name_en) == (reward.pk, reward.name_en)
    assert "stock" in partial.get_deferred_fields()
    assert partial.stock == 2  # loaded on demand, as for raw()
    assert sql.rows(Reward, f"SELECT * FROM {table} WHERE id = %s", [-1]) == []
    with pytest.raises(ValueError, match="primary key"):
        sql.first(Reward, f"SELECT name_en FROM {table}", [])


def test_execute_prepares_once_per_connection_then_only_executes(settings):
    settings.SQL_PREPARED_STATEMENTS = True
    query = "SELECT %s::int + 1, 'a%%b'"
    name = sql._prepared(query)[0]
    sent = []

    def record(execute, text, params, many, context):
        sent.append(text.split()[0])
        return execute(text, params, many, context)

    with connection.execute_wrapper(record), connection.cursor() as cursor:
        sql.execute(cursor, query, [41])
        assert cursor.fetchone() == (42, "a%b")
        sql.execute(cursor, query, [1])
        assert cursor.fetchone() == (2, "a%b")
    assert sent == ["PREPARE", "EXECUTE", "EXECUTE"]
    assert sql.PREPARED[name] == query
    assert sql._prepared(query)[1] == "SELECT $1::int + 1, 'a%b'"


def test_a_prepared_statement_outlives_a_rollback_and_a_new_connection_prepares_again(settings):
    settings.SQL_PREPARED_STATEMENTS = True
    query = "SELECT %s::int * 2"
    with connection.cursor() as cursor:
        sql.execute(cursor, query, [2])
        assert cursor.fetchone() == (4,)
        cursor.execute("SAVEPOINT s")
        with pytest.raises(DatabaseError):
            cursor.execute("SELECT 1 / 0")
        cursor.execute("ROLLBACK TO SAVEPOINT s")
        sql.execute(cursor, query, [3])  # still prepared: no PREPARE, no error
        assert cursor.fetchone() == (6,)
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            sql.execute(cursor, query, [5])  # this connection has it not: prepared here
            assert cursor.fetchone() == (10,)
    finally:
        other.close()


def test_execute_without_prepared_statements_sends_the_query_itself(settings):
    settings.SQL_PREPARED_STATEMENTS = False
    sent = []

    def record(execute, text, params, many, context):
        sent.append(text)
        return execute(text, params, many, context)

    with connection.execute_wrapper(record), connection.cursor() as cursor:
        sql.execute(cursor, "SELECT %s::int", [7])
        assert cursor.fetchone() == (7,)
    assert sent == ["SELECT %s::int"]
