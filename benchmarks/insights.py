"""HR insights at company scale: 5,000 employees, two years of history (about a million ledger
entries), written with COPY. Times the full recomputation (target < 30 s) and then the pages
and APIs that read its results over HTTP from gunicorn (target p95 < 1 s)."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import time

from django.test import Client, override_settings

from insights.analysis.loading import population_load
from insights.analysis.run import analyse
from insights.models import WINDOWS, PersonSegment
from insights.services import insights_recompute
from ledger.models import Entry
from ledger.selectors import ledger_verify
from people.models import Role, Team, User
from tests.insights.synthetic.policies import population
from tests.insights.synthetic.writer import histories_write

from ._http import ROOT, gunicorn

PEOPLE = 5_000
MIX = {"binge": 1_000, "goal_saver": 900, "steady": 2_000, "dormant": 800, "new": 300}
REQUESTS = 60
BENCH_SECRET_KEY = "bench"  # what benchmarks/_http.py gives gunicorn


def _p(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return (
        f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
        f"max {ordered[-1] * 1000:7.1f} ms"
    )


def _build() -> None:
    started = time.perf_counter()
    histories = population(2026, MIX, end=time.time() - 60, span_months=24)
    generated = time.perf_counter()
    histories_write(histories, prefix="bench", team_size=12, checked=False)
    written = time.perf_counter()
    print(
        f"  built {PEOPLE} people, {Entry.objects.count():,} ledger entries: generated in "
        f"{generated - started:.1f} s, written (COPY) in {written - generated:.1f} s"
    )


def _recompute() -> None:
    t0 = time.perf_counter()
    pop = population_load()
    t1 = time.perf_counter()
    analyse(pop, as_of=_now(), windows=WINDOWS)
    t2 = time.perf_counter()
    print(f"  stages: load {t1 - t0:.1f} s, compute {len(WINDOWS)} windows {t2 - t1:.1f} s")
    del pop
    started = time.perf_counter()
    run = insights_recompute()
    wall = time.perf_counter() - started
    assert run is not None
    rows = PersonSegment.objects.filter(run=run).count()
    print(
        f"  full recomputation (load + compute + write {rows:,} segment rows): {wall:.1f} s "
        f"(target < 30 s)"
    )


def _now():
    from django.utils import timezone

    return timezone.now()


def _serve() -> None:
    hr = User.objects.create(username="bench-hr", display_name="Bench HR", role=Role.HR)
    client = Client()
    with override_settings(SECRET_KEY=BENCH_SECRET_KEY):  # the key gunicorn runs with
        client.force_login(hr)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    team = Team.objects.filter(name__startswith="bench team").order_by("pk").first()
    assert team is not None
    urls = [
        ("dashboard page", "/hr/insights/"),
        ("people page (filtered)", f"/hr/insights/people/?team={team.pk}"),
        ("people page 20 of 100", "/hr/insights/people/?page=20"),
        ("segments API", "/api/v1/insights/segments/"),
        (
            "segments API ?segment=binge&months=24",
            "/api/v1/insights/segments/?segment=binge&months=24",
        ),
        ("segments API ?team=", f"/api/v1/insights/segments/?team={team.pk}"),
        ("economy API", "/api/v1/insights/economy/"),
        ("fairness API", "/api/v1/insights/fairness/"),
    ]
    # Pages are served as in production (DEBUG off): they need the collected static manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env={**os.environ, "DEBUG": "false", "SECRET_KEY": BENCH_SECRET_KEY},
        check=True,
    )  # fmt: skip
    with gunicorn(workers=2) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for label, url in urls:
            latencies = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                conn.request("GET", url, headers={"Cookie": cookie, "Accept-Language": "en"})
                response = conn.getresponse()
                response.read()
                latencies.append(time.perf_counter() - started)
                assert response.status == 200, (url, response.status)
            print(f"  {label:<40} {REQUESTS} requests  {_p(latencies)}")
        conn.close()


def run() -> None:
    print("HR insights: 5,000 employees, two years")
    _build()
    _recompute()
    _serve()
    problems = ledger_verify()
    print(f"  ledger_verify after the load: {'clean' if not problems else problems[:3]}")
