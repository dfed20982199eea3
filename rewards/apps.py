from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"

    def ready(self) -> None:
        from . import describers

        describers.register()

        from audit.describers import value_labels_register

        from .models import DrawingRule

        value_labels_register(field="rule", choices=DrawingRule)
