from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Points ledger")

    def ready(self) -> None:
        from audit.describers import value_labels_register

        from .models import BudgetMode

        value_labels_register(field="mode", choices=BudgetMode)
