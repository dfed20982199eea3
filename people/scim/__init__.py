"""SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2/, built on django-scim2.

An identity provider (Entra ID, Okta) holds one bearer token (`auth`) and creates, changes,
deactivates and reactivates people (`people.User`) and teams (`people.Team`, SCIM groups). The
library routes the requests, parses filters and PATCH paths and renders list and error
responses; the adapters here map SCIM attributes onto existing fields and make every write
through `people.services` (the `person_scim_*` and team services), so each lands in the audit
trail with `via: "scim"` and no actor (the system).
"""
