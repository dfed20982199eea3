from django.urls import URLPattern, URLResolver, path

from . import import_views, views
from .integrity import views as integrity_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hr/insights/", views.insights_dashboard_view, name="insights-dashboard"),
    path("hr/insights/people/", views.insights_people_view, name="insights-people"),
    path("hr/insights/export/<slug:slug>.csv", views.insights_export_view, name="insights-export"),
    path("hr/insights/recompute/", views.insights_recompute_view, name="insights-recompute"),
    path("hr/integrity/", integrity_views.integrity_flag_list_view, name="integrity-flags"),
    path(
        "hr/integrity/<int:pk>/", integrity_views.integrity_flag_detail_view, name="integrity-flag"
    ),
    path(
        "hr/integrity/<int:pk>/dismiss/",
        integrity_views.integrity_flag_dismiss_view,
        name="integrity-flag-dismiss",
    ),
    path(
        "hr/integrity/<int:pk>/reverse/",
        integrity_views.integrity_flag_reverse_view,
        name="integrity-flag-reverse",
    ),
    path("hr/import/", import_views.history_import_view, name="history-import"),
    path(
        "hr/import/sample.csv",
        import_views.history_import_sample_view,
        name="history-import-sample",
    ),
]
