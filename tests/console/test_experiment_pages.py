"""An experiment in the console: every variant in the preview, the readout, stopping a variant."""

from __future__ import annotations

from sqlalchemy import select

from outreach.schemas import VariantIn
from outreach.variants import set_variants
from store.db import unit_of_work
from store.models import Campaign, CampaignVariant, Invitation
from tests.console.support import Console
from tests.console.test_campaign_pages import campaign_form, campaigns_in

SHORT = "Gratis sundhedstjek hos {sender}? Svar JA. Skriv STOP for at afmelde."


def experiment_draft(console: Console) -> int:
    console.sign_in("coordinator")
    console.post("/console/campaigns/new", campaign_form())
    draft = campaigns_in(console)[-1].id or 0
    with unit_of_work(console.engine) as session:
        campaign = session.get_one(Campaign, draft)
        campaign.variant_seed = 4
        set_variants(
            session=session,
            campaign=campaign,
            variants_in=[VariantIn(label="standard"), VariantIn(label="kort", template_da=SHORT)],
        )
    return draft


class TestExperimentPages:
    def test_the_preview_shows_every_variant(self, console: Console) -> None:
        draft = experiment_draft(console)
        html = console.get(f"/console/campaigns/{draft}/preview").text
        assert "Forsøg: 2 varianter af invitationen" in html
        assert "Variant A: standard" in html and "Variant B: kort" in html
        assert "Gratis sundhedstjek hos Roskilde Kommune? Svar JA." in html
        assert "Cirka 10,5 modtagere" in html  # 21 targeted, half each

    def test_the_readout_and_stopping_a_variant(self, console: Console) -> None:
        draft = experiment_draft(console)
        page = f"/console/campaigns/{draft}"
        console.post(f"{page}/launch", {}, page=f"{page}/preview")
        html = console.get(page).text
        assert "Forsøg med invitationen" in html and "Bookingrate pr. variant" in html
        assert "Endnu for få svar til at skelne" in html
        assert "Stop variant A</button>" in html and "Stop variant B</button>" in html
        refused = console.post(f"{page}/variants/B/stop", {}, page=page)
        assert refused.status_code == 400 and "Intet er ændret" in refused.text
        done = console.post(f"{page}/variants/B/stop", {"confirm": "yes"}, page=page)
        assert done.status_code == 303
        shown = console.get(done.headers["location"]).text
        assert "Varianten er stoppet" in shown and "B (kort) · stoppet" in shown
        assert "Stop variant A</button>" not in shown  # the last one running stays
        with unit_of_work(console.engine) as session:
            variants = {v.key: v.stopped_at for v in session.scalars(select(CampaignVariant))}
            assert variants["B"] is not None and variants["A"] is None
            left = session.scalars(
                select(Invitation.variant).where(Invitation.campaign_id == draft)
            )
            assert set(left) == {"A"}

    def test_another_municipality_cannot_stop_it(self, console: Console) -> None:
        draft = experiment_draft(console)
        console.sign_in("lejre")
        page = f"/console/campaigns/{draft}"
        response = console.post(
            f"{page}/variants/A/stop", {"confirm": "yes"}, page="/console/campaigns"
        )
        assert response.status_code == 404
