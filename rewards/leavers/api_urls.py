"""API routes of leavers, mounted under /api/v1/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("leavers/", apis.LeaverListApi.as_view(), name="api-leavers"),
    path("leavers/policy/", apis.LeaverPolicyApi.as_view(), name="api-leaver-policy"),
    path("leavers/<int:pk>/settle/", apis.LeaverSettleApi.as_view(), name="api-leaver-settle"),
]
