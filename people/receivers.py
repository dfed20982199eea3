"""The one signal receiver of people: a new password (or none) ends every API token of its owner.

A receiver rather than a service call because a password changes in more places than our
services: the admin's password form, `manage.py changepassword`, `User.set_password()` anywhere.
"""

from __future__ import annotations

from typing import Any

from .models import User
from .services import api_tokens_revoke_all


def revoke_tokens_on_password_change(
    sender: type[User], instance: User, created: bool = False, **kwargs: Any
) -> None:
    if created:
        return  # someone new has no tokens yet
    # `set_password()` keeps the raw password in `_password` until the save that follows has
    # run the password validators' hooks (AbstractBaseUser.save), so it is set exactly when a
    # password was chosen. Django's own re-hashing at sign-in (a stronger hasher) clears it
    # before saving: an upgrade of the stored hash is not a new password and keeps the tokens.
    # `set_unusable_password()` (the admin's "password-based authentication: disabled") flags
    # itself the same way (User.set_unusable_password).
    new_password = getattr(instance, "_password", None) is not None
    if new_password or getattr(instance, "_password_unset", False):
        instance._password_unset = False
        api_tokens_revoke_all(user=instance)
