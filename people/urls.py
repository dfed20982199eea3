from django.urls import path

from . import views
from .roster import views as roster_views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
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
