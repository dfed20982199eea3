from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.middleware import session_timeout_start

        # The session limits count from signing in (and the first request need not write).
        user_logged_in.connect(session_timeout_start, dispatch_uid="session_timeout_start")
