"""Celery tasks of pricing: thin wrappers around services."""

from celery import shared_task

from .alerts import wish_alerts_after_commit, wish_alerts_run
from .services import pricing_tick_run


@shared_task(name="pricing.tasks.pricing_tick", acks_late=True)
def pricing_tick() -> int:
    """Price every window that has closed. Idempotent: a redelivery or a second beat prices nothing
    twice (the market clock serialises ticks; unique windows in the database stop the rest).
    When prices moved, the wish alert pass follows (its own job: a failing alert never fails
    a tick)."""
    applied = pricing_tick_run()
    if applied:
        wish_alerts_after_commit()
    return len(applied)


@shared_task(name="pricing.tasks.wish_alerts", acks_late=True)
def wish_alerts() -> int:
    """Tell people about their wishes: price at target, sale started, drawing opened. Safe to
    run again or concurrently: each event is announced once (`pricing.alerts`)."""
    return wish_alerts_run()


@shared_task(name="pricing.tasks.chat_movers_post", acks_late=True)
def chat_movers_post() -> int:
    """The daily "market movers" post to Teams and Slack; once per day however often it runs."""
    from .chat import chat_movers_post as post

    return post()
