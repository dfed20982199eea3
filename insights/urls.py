from django.urls import URLPattern, URLResolver, path

from . import import_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hr/import/", import_views.history_import_view, name="history-import"),
    path(
        "hr/import/sample.csv",
        import_views.history_import_sample_view,
        name="history-import-sample",
    ),
]
