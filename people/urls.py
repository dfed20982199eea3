from django.urls import path

from . import password_reset, views
from .roster import views as roster_views
from .sso import views as sso_views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("sso/login/", sso_views.sso_start_view, name="sso-start"),
    path("sso/callback/", sso_views.sso_callback_view, name="sso-callback"),
    path("password-reset/", password_reset.password_reset_view, name="password-reset"),
    path(
        "password-reset/sent/",
        password_reset.password_reset_sent_view,
        name="password-reset-sent",
    ),
    path(
        "password-reset/done/",
        password_reset.password_reset_complete_view,
        name="password-reset-complete",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.password_reset_confirm_view,
        name="password-reset-confirm",
    ),
    path("language/", views.language_set_view, name="language-set"),
    path("account/tokens/", views.api_tokens_view, name="api-tokens-page"),
    path(
        "account/tokens/revoke-all/",
        views.api_tokens_revoke_all_view,
        name="api-tokens-revoke-all",
    ),
    path(
        "account/tokens/<str:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke-page",
    ),
    path("hr/roster/", roster_views.roster_view, name="hr-roster"),
    path("hr/roster/template.csv", roster_views.roster_template_view, name="hr-roster-template"),
    path("hr/roster/<int:pk>/", roster_views.roster_detail_view, name="hr-roster-detail"),
    path("hr/roster/<int:pk>/apply/", roster_views.roster_apply_view, name="hr-roster-apply"),
]
