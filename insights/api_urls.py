"""API routes of HR insights, mounted under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from . import apis, import_apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("insights/segments/", apis.SegmentListApi.as_view(), name="api-insights-segments"),
    path("insights/economy/", apis.EconomyApi.as_view(), name="api-insights-economy"),
    path("insights/fairness/", apis.FairnessApi.as_view(), name="api-insights-fairness"),
    path("insights/recompute/", apis.RecomputeApi.as_view(), name="api-insights-recompute"),
    path("imports/history/", import_apis.HistoryImportApi.as_view(), name="api-history-import"),
]
