from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        from audit.describers import value_labels_register

        from .models import EmploymentType, Role

        value_labels_register(field="role", choices=Role)
        value_labels_register(field="employment_type", choices=EmploymentType)
