from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hr/insights/", views.insights_dashboard_view, name="insights-dashboard"),
    path("hr/insights/people/", views.insights_people_view, name="insights-people"),
    path("hr/insights/export/<slug:slug>.csv", views.insights_export_view, name="insights-export"),
    path("hr/insights/recompute/", views.insights_recompute_view, name="insights-recompute"),
]
