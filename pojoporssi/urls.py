from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from audit import apis as audit_apis
from core.api_docs import ApiDocsView
from insights.integrity import apis as integrity_apis
from ledger import apis as ledger_apis
from ledger import thanks_apis
from notifications import apis as notifications_apis
from notifications import chat_apis
from people import apis as people_apis
from people.roster import apis as roster_apis
from rewards import apis as rewards_apis
from rewards.drawings import apis as drawing_apis

from .health import healthz

router = DefaultRouter()
router.include_format_suffixes = False
router.register("people", people_apis.PersonViewSet, basename="person")
router.register("teams", people_apis.TeamViewSet, basename="team")
router.register("awards", ledger_apis.AwardViewSet, basename="award")
router.register("award-reasons", ledger_apis.AwardReasonViewSet, basename="award-reason")
router.register("thanks", thanks_apis.ThanksViewSet, basename="thanks")
router.register("budgets", ledger_apis.BudgetViewSet, basename="budget")
router.register("ledger/transactions", ledger_apis.TransactionViewSet, basename="transaction")
router.register("rewards", rewards_apis.RewardViewSet, basename="reward")
router.register("redemptions", rewards_apis.RedemptionViewSet, basename="redemption")
router.register("wishes", rewards_apis.WishViewSet, basename="wish")
router.register("drawings", drawing_apis.DrawingViewSet, basename="drawing")
router.register("audit", audit_apis.AuditEventViewSet, basename="audit-event")
router.register("integrity/flags", integrity_apis.IntegrityFlagViewSet, basename="integrity-flag")
router.register("chat-channels", chat_apis.ChatChannelViewSet, basename="chat-channel")

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", people_apis.TokenCreateApi.as_view(), name="api-token"),
    path("auth/logout/", people_apis.LogoutApi.as_view(), name="api-logout"),
    path("auth/logout-all/", people_apis.LogoutAllApi.as_view(), name="api-logout-all"),
    path("auth/tokens/", people_apis.TokenListApi.as_view(), name="api-tokens"),
    path(
        "auth/tokens/<str:token_id>/",
        people_apis.TokenRevokeApi.as_view(),
        name="api-token-revoke",
    ),
    path(
        "roster/imports/",
        roster_apis.RosterImportListCreateApi.as_view(),
        name="api-roster-imports",
    ),
    path(
        "roster/imports/<int:pk>/",
        roster_apis.RosterImportDetailApi.as_view(),
        name="api-roster-import",
    ),
    path(
        "roster/imports/<int:pk>/apply/",
        roster_apis.RosterImportApplyApi.as_view(),
        name="api-roster-import-apply",
    ),
    path("me/", ledger_apis.MeApi.as_view(), name="api-me"),
    path("ledger/entries/", ledger_apis.EntryListApi.as_view(), name="api-entries"),
    path("goal/", rewards_apis.GoalApi.as_view(), name="api-goal"),
    path(
        "notifications/",
        notifications_apis.NotificationListApi.as_view(),
        name="api-notifications",
    ),
    path(
        "notifications/read/",
        notifications_apis.NotificationReadApi.as_view(),
        name="api-notifications-read",
    ),
    # Nothing is public, the API's description included.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path(
        "docs/",
        ApiDocsView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("", include("insights.api_urls")),
    path("", include("pricing.api_urls")),
    path("", include("rewards.leavers.api_urls")),
    path("", include(router.urls)),
]

handler404 = "core.errors.page_not_found"

admin.site.site_header = _("Pojopörssi administration")
admin.site.site_title = _("Pojopörssi administration")
admin.site.index_title = _("Run the market")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    # SCIM 2.0 provisioning for an identity provider (bearer token only): people/scim/
    path("scim/v2/", include("people.scim.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", include("people.urls")),
    path("", include("ledger.urls")),
    path("", include("rewards.urls")),
    path("", include("pricing.urls")),
    path("", include("notifications.urls")),
    path("", include("insights.urls")),
    path("", include("audit.urls")),
]
