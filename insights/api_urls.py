"""API routes of HR insights, mounted under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from . import import_apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/history/", import_apis.HistoryImportApi.as_view(), name="api-history-import"),
]
