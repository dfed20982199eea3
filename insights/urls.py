from django.urls import URLPattern, URLResolver, path

from . import import_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hr/insights/", views.insights_dashboard_view, name="insights-dashboard"),
    path("hr/insights/people/", views.insights_people_view, name="insights-people"),
    path("hr/insights/export/<slug:slug>.csv", views.insights_export_view, name="insights-export"),
    path("hr/insights/recompute/", views.insights_recompute_view, name="insights-recompute"),
    path("hr/import/", import_views.history_import_view, name="history-import"),
    path(
        "hr/import/sample.csv",
        import_views.history_import_sample_view,
        name="history-import-sample",
    ),
]
