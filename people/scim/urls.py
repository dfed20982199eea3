"""/scim/v2/: django-scim2's routes, with the Users and Groups views of people.scim.views."""

from __future__ import annotations

from django.urls import re_path
from django_scim import views as library

from . import views

app_name = "scim"

urlpatterns = [
    # The library names the base path "root" (its locations are built from it).
    re_path(r"^$", library.SCIMView.as_view(implemented=False), name="root"),
    re_path(r"^\.search$", library.SearchView.as_view(implemented=False), name="search"),
    re_path(r"^Users/\.search$", views.UserSearchView.as_view(), name="users-search"),
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?$", views.UsersView.as_view(), name="users"),
    re_path(r"^Groups/\.search$", views.GroupSearchView.as_view(), name="groups-search"),
    re_path(r"^Groups(?:/(?P<uuid>[^/]+))?$", views.GroupsView.as_view(), name="groups"),
    re_path(r"^Me$", library.SCIMView.as_view(implemented=False), name="me"),
    re_path(r"^Bulk$", library.SCIMView.as_view(implemented=False), name="bulk"),
    re_path(
        r"^ServiceProviderConfig$",
        library.ServiceProviderConfigView.as_view(),
        name="service-provider-config",
    ),
    re_path(
        r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$",
        library.ResourceTypesView.as_view(),
        name="resource-types",
    ),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", library.SchemasView.as_view(), name="schemas"),
]
