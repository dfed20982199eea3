from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import InsightsRun
from insights.services import insights_recompute
from insights.synthetic.policies import POLICIES, population
from insights.synthetic.writer import histories_write


@pytest.fixture
def small_population(db: None) -> InsightsRun:
    """36 synthetic agents in teams of 12 (big enough groups), recomputed."""
    end = (timezone.now() - timedelta(minutes=1)).timestamp()
    histories_write(
        population(5, dict.fromkeys(POLICIES, 7), end=end)[:36], prefix="pop", checked=False
    )
    run = insights_recompute()
    assert run is not None
    return run
