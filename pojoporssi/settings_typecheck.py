"""The settings mypy's Django plugin loads ([tool.django-stubs]): the real ones, given the
SECRET_KEY that production settings require (type checking never serves a request)."""

import os

os.environ.setdefault("SECRET_KEY", "type-checking-only-it-never-serves-a-request")

from pojoporssi.settings import *  # noqa: F403
