"""The API's HTML documentation page (Swagger UI, served from the vendored sidecar package).

Apart from core.api: that module is DRF's pagination setting, imported while DRF itself loads,
and drf-spectacular's views import DRF."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBase
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated


# The vendored Swagger UI's page has an inline <style> block (and the UI sets styles as it
# renders); its script comes from the same URL (`?script`), so scripts stay 'self' only.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    """The API's HTML docs for people signed in to the site; anyone else is sent to sign in
    (and brought back) rather than shown a JSON refusal in the browser."""

    permission_classes = [IsAuthenticated]

    # DRF types this as returning a Response; any HttpResponse passes through finalize_response.
    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        # Whoever DRF could not authenticate (no session, no token) is a person in a browser here.
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
