from django.urls import path

from . import views

urlpatterns = [
    path("hr/audit/", views.audit_event_list_view, name="audit-log"),
]
