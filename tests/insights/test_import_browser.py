"""HR's import page in a real Chromium, in Finnish, on a phone: a rejected file shows its errors
by row and column, the sample file imports. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ledger.selectors import ledger_verify
from people.models import User
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import assert_no_horizontal_scroll, shot, sign_in
from tests.insights.conftest import award, csv_of
from tests.people.factories import HRFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page


@pytest.mark.parametrize("width", [375, 1280])
def test_hr_imports_history_from_the_page(live_server, transactional_db, new_page, tmp_path, width):
    HRFactory(username="hanna", display_name="Hanna HR", preferred_language="fi")
    page = new_page({"width": width, "height": 844})
    sign_in(page, live_server.url, "hanna")
    page.goto(f"{live_server.url}/hr/import/")
    expect(page.get_by_role("heading", name="Tuo historia")).to_be_visible()
    assert_no_horizontal_scroll(page)

    # given: a file with a bad row
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of(award(id="1"), award(id="2", points="kymmenen")))
    page.get_by_label("CSV-tiedosto", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Tarkista ja tuo").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("kymmenen")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("3")
    assert not User.objects.filter(username="aino").exists()
    assert_no_horizontal_scroll(page)
    shot(page, f"import-rejected-{width}")

    # when: the sample file is uploaded
    with page.expect_download() as download:
        page.get_by_role("link", name="Lataa esimerkki-CSV").click()
    sample = tmp_path / "sample.csv"
    download.value.save_as(sample)
    page.get_by_label("CSV-tiedosto", exact=True).set_input_files(str(sample))
    page.get_by_role("button", name="Tarkista ja tuo").click()

    # then
    expect(page.get_by_test_id("imported")).to_have_text("3")
    expect(page.get_by_role("status")).to_contain_text("3 riviä tuotiin.")
    assert ledger_verify() == []
    assert_no_horizontal_scroll(page)
    shot(page, f"import-done-{width}")
