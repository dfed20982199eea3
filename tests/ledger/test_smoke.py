from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create
from tests.conftest import fund_budget


def test_award_moves_points_from_budget_to_wallet(crew, reason):
    # given
    fund_budget(crew.supervisor, 100)
    # when
    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=30)
    # then
    assert balance_of(user=crew.agents[0]) == 30
    assert balance_of(user=crew.supervisor, kind="budget") == 70
    assert ledger_verify() == []
