"""The project's settings, plus the bare locked-write endpoint of the ceiling benchmark.

Only the benchmark's gunicorn runs with these (`DJANGO_SETTINGS_MODULE=benchmarks.ceiling_settings`);
the app never mounts the bare endpoint."""

from pojoporssi.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.ceiling_urls"
