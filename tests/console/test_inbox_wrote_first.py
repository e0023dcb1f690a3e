"""The console inbox shows someone who wrote first and was not taken in, with their number."""

from __future__ import annotations

from store.db import unit_of_work
from store.models import Campaign
from tests.console.inbox_support import write
from tests.console.support import Console

STRANGER = "+4520999999"


def test_the_coordinator_sees_who_wrote_and_their_number(console: Console) -> None:
    with unit_of_work(console.engine) as session:
        campaign = session.get_one(Campaign, console.world.campaign_id)
        campaign.status, campaign.channel = "running", "console"
    write(console, "Kan jeg også komme?", phone=STRANGER)
    console.sign_in("coordinator")
    html = console.get("/console/inbox").text
    assert 'data-kind="wrote_first"' in html and "Skrev uden invitation" in html
    assert "Kan jeg også komme?" in html and STRANGER in html and "Ukendt" in html
    console.sign_in("lejre")
    assert "Kan jeg også komme?" not in console.get("/console/inbox").text
