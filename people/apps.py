from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        from audit.describers import value_labels_register

        from .models import EmploymentType, Role

        value_labels_register(field="role", choices=Role)
        value_labels_register(field="employment_type", choices=EmploymentType)

        from .models import User
        from .receivers import revoke_tokens_on_password_change

        post_save.connect(
            revoke_tokens_on_password_change,
            sender=User,
            dispatch_uid="people.revoke_tokens_on_password_change",
        )

        from django.contrib.auth.signals import user_logged_in

        from core.middleware import session_timeout_start

        # The session limits count from signing in (and the first request need not write).
        user_logged_in.connect(session_timeout_start, dispatch_uid="session_timeout_start")
