"""Password reset by e-mail (Django's views, our pages), for installs that sign in by password.

Rate-limited per client address (a 429 page) and per account (silently: the answer is the same
whether or not the address is known, so the page tells nobody who works here). Setting the new
password ends every API token (people.receivers) and is recorded in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import ApplicationError

from .models import User
from .signin import client_ip

_WINDOW_SECONDS = 3600


class RateLimitedError(ApplicationError):
    code = "rate_limited"
    http_status = 429
    default_message = _("Too many password reset requests. Try again in an hour.")


def _over_limit(key: str) -> bool:
    """Count one request against `key` in this hour's window; True past the limit."""
    cache.add(key, 0, _WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _WINDOW_SECONDS)
        count = 1
    return count > settings.PASSWORD_RESET_RATE_PER_HOUR


class _ResetForm(PasswordResetForm):
    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        # The e-mail in the person's own language, whatever the page was in.
        context = args[2] if len(args) > 2 else kwargs["context"]
        user = context["user"]
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            super().send_mail(*args, **kwargs)

    def get_users(self, email: str) -> Any:
        for user in super().get_users(email):
            # Per account too: a flood at one address sends it a few e-mails an hour at most.
            if not _over_limit(f"password-reset:user:{user.pk}"):
                yield user


class _PasswordLoginOnly:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_LOGIN_ENABLED:
            raise Http404  # single sign-on only: the provider resets passwords
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class PasswordResetView(_PasswordLoginOnly, auth_views.PasswordResetView):
    form_class = _ResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if _over_limit(f"password-reset:ip:{client_ip(self.request)}"):
            return self._refused(form, RateLimitedError())
        self.extra_email_context = {"site_url": settings.SITE_URL}
        # An SMTP failure is logged by Django's form and answered as a success: an error only
        # for addresses that have an account would tell who works here.
        return super().form_valid(form)

    def _refused(self, form: PasswordResetForm, error: ApplicationError) -> HttpResponse:
        response = self.render_to_response(self.get_context_data(form=form, error=error))
        response.status_code = error.http_status
        return response


class PasswordResetSentView(_PasswordLoginOnly, auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_sent.html"


class PasswordResetConfirmView(_PasswordLoginOnly, auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)  # saves: the API tokens end (people.receivers)
            user = form.user
            assert isinstance(user, User)
            audit_record(
                actor=user,
                action=AuditAction.AUTH_PASSWORD_RESET,
                subject=user,
                subject_label=user.name,
            )
        return response


class PasswordResetCompleteView(_PasswordLoginOnly, auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


password_reset_view = PasswordResetView.as_view()
password_reset_sent_view = PasswordResetSentView.as_view()
password_reset_confirm_view = PasswordResetConfirmView.as_view()
password_reset_complete_view = PasswordResetCompleteView.as_view()
