from typing import Any

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """HR insights: history import, redemption patterns, the points economy and fairness."""

    name = "insights"

    def ready(self) -> None:
        from .signals import history_imported

        history_imported.connect(_recompute_after_import, dispatch_uid="insights-recompute")


def _recompute_after_import(sender: Any, **kwargs: Any) -> None:
    # The import sends this after its commit; on_commit still defers it if a caller wraps the
    # send in a transaction of its own.
    from .integrity.services import integrity_scan_request
    from .services import insights_recompute_request

    insights_recompute_request()
    integrity_scan_request()
