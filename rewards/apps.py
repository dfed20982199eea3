from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"

    def ready(self) -> None:
        from . import describers

        describers.register()

        from audit.describers import value_labels_register

        from .models import DrawingRule, LeaverMode

        value_labels_register(field="rule", choices=DrawingRule)
        value_labels_register(field="leaver_mode", choices=LeaverMode)
