# Production image for Pojopörssi: one image for web (gunicorn), worker, beat and migrate.
# See docker-compose.yml for how they are wired together.
FROM python:3.11-slim

# PYTHONPATH: the code runs from /app, not from the copy pip puts in site-packages, because
# settings find templates/, static/, locale/ and var/ next to the code (BASE_DIR).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, in their own layer, so that a code change doesn't reinstall them all:
# install the project from pyproject.toml with empty package folders, then drop the stub.
COPY pyproject.toml README.md ./
RUN mkdir -p pojoporssi people ledger rewards pricing \
    && pip install . \
    && pip uninstall -y pojoporssi \
    && rm -rf build ./*.egg-info pojoporssi people ledger rewards pricing

COPY . .
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Static files are collected at build time (whitenoise serves them from gunicorn). Settings need
# a SECRET_KEY when DEBUG is false, so a throwaway one is given; the memory broker keeps
# settings from creating the file broker's folders.
RUN SECRET_KEY=collectstatic-only-not-a-secret DEBUG=false CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. It may write to var/ only (runtime files), not to the code.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "pojoporssi.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
