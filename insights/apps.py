from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """HR insights: history import, redemption patterns, the points economy and fairness."""

    name = "insights"
