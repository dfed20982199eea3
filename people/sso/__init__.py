"""Single sign-on with OpenID Connect, on mozilla-django-oidc: where the provider is
(`discovery`), who a signed-in identity is here (`services`), the authentication backends
(`backend`) and the pages that start and finish a sign-in (`views`)."""
