"""The project's URLs and `POST /bench/bare/`: the ceiling of a locked write through DRF.

The bare endpoint does what every money write must at least do, and nothing else: in one
transaction, lock one row of the caller (`SELECT … FOR UPDATE`), insert one row, update the locked
row. It runs behind the project's own DRF defaults (authentication, permission, throttle) and
middleware, so the share of the project's endpoints measures their own work only."""

from __future__ import annotations

from django.db import connection, transaction
from django.urls import include, path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

ACCOUNTS = "bench_ceiling_account"
ENTRIES = "bench_ceiling_entry"


def bare_tables_create() -> None:
    """The bare endpoint's two tables, with one account row per person (the benchmark's setup)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {ACCOUNTS} (id bigint PRIMARY KEY, balance bigint NOT NULL "
            "CHECK (balance >= 0));"
            f"CREATE TABLE IF NOT EXISTS {ENTRIES} (id bigserial PRIMARY KEY, "
            f"account_id bigint NOT NULL REFERENCES {ACCOUNTS}, amount bigint NOT NULL, "
            "created_at timestamptz NOT NULL);"
            f"INSERT INTO {ACCOUNTS} (id, balance) SELECT id, 0 FROM people_user "
            "ON CONFLICT DO NOTHING"
        )


class BareLockedWriteApi(APIView):
    def post(self, request: Request) -> Response:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT balance FROM {ACCOUNTS} WHERE id = %s FOR UPDATE",
                [request.user.pk],
            )
            (balance,) = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {ENTRIES} (account_id, amount, created_at) VALUES (%s, 1, now())",
                [request.user.pk],
            )
            cursor.execute(
                f"UPDATE {ACCOUNTS} SET balance = balance + 1 WHERE id = %s",
                [request.user.pk],
            )
        return Response({"balance": balance + 1}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bench/bare/", BareLockedWriteApi.as_view()),
    path("", include("pojoporssi.urls")),
]
