"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with OIDC on,
run as a second Django process on loopback by `tests/people/sso_support.py`. Nothing of it is
part of the product."""
