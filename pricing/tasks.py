"""Celery tasks of pricing: thin wrappers around services."""

from celery import shared_task

from .services import pricing_tick_run


@shared_task(name="pricing.tasks.pricing_tick", acks_late=True)
def pricing_tick() -> int:
    """Price every window that has closed. Idempotent: a redelivery or a second beat prices nothing
    twice (the market clock serialises ticks; unique windows in the database stop the rest)."""
    return len(pricing_tick_run())


@shared_task(name="pricing.tasks.chat_movers_post", acks_late=True)
def chat_movers_post() -> int:
    """The daily "market movers" post to Teams and Slack; once per day however often it runs."""
    from .chat import chat_movers_post as post

    return post()
