"""The experiment readout: the statistics against published cases, suppression, the verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from core.errors import NotFoundError
from monitoring.experiment import experiment_report
from monitoring.experiment_stats import Arm, difference, probability_best, rate_interval
from monitoring.exports import experiment_csv
from monitoring.suppression import HIDDEN
from store.models import Campaign, CampaignVariant, Invitation
from tests.monitoring.rows import Rows

HOUR = timedelta(hours=1)


class TestStatistics:
    # Newcombe RG. Interval estimation for the difference between independent proportions:
    # comparison of eleven methods. Stat Med 1998;17:873-890, Table II, method 10.
    @pytest.mark.parametrize(
        ("a", "b", "low", "high"),
        [
            ((56, 70), (48, 80), 0.0524, 0.3339),
            ((9, 10), (3, 10), 0.1705, 0.8090),
            ((5, 56), (0, 29), -0.0381, 0.1926),
            ((0, 10), (0, 20), -0.1611, 0.2775),
        ],
    )
    def test_the_difference_matches_newcombes_published_intervals(
        self, a: tuple[int, int], b: tuple[int, int], low: float, high: float
    ) -> None:
        found = difference(Arm("B", a[1], a[0]), Arm("A", b[1], b[0]))
        assert found is not None
        value, interval = found
        assert value == pytest.approx(a[0] / a[1] - b[0] / b[1])
        assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)

    def test_the_rate_has_its_wilson_interval(self) -> None:
        # Newcombe RG, Two-sided confidence intervals for the single proportion, Stat Med 1998;
        # 17:857-872, Table I: 81/263 by the Wilson score method, 0.2553 to 0.3662.
        interval = rate_interval(Arm("A", 263, 81))
        assert interval is not None
        assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)

    def test_probability_best_is_reproducible_and_sums_to_one(self) -> None:
        arms = [Arm("A", 400, 40), Arm("B", 400, 70), Arm("C", 400, 41)]
        first = probability_best(arms)
        assert first == probability_best(arms)
        assert sum(first) == pytest.approx(1.0)
        assert first[1] > 0.99
        equal = probability_best([Arm("A", 100, 10), Arm("B", 100, 10)])
        assert equal[0] == pytest.approx(0.5, abs=0.01)


def experiment(rows: Rows, arms: dict[str, tuple[int, int, int, int]]) -> Campaign:
    """A campaign whose variants sent (invited, replied, booked, attended) as given."""
    campaign = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
    campaign.variant_seed = 7
    for key, (invited, replied, booked, attended) in arms.items():
        rows.add(CampaignVariant(campaign_id=campaign.id, key=key, label=f"tekst {key}"))
        for n in range(invited):
            conversation = rows.invite(
                campaign=campaign, replied_after=HOUR if n < replied else None
            )
            if n < booked:
                status = "attended" if n < attended else "booked"
                rows.book(conversation=conversation, after=HOUR * 2, status=status)
            rows.add(
                Invitation(
                    campaign_id=campaign.id,
                    contact_id=conversation.contact_id,
                    status="done",
                    conversation_id=conversation.id,
                    variant=key,
                )
            )
    return campaign


class TestReadout:
    def test_counts_by_assigned_variant_with_the_difference(self, session: Session) -> None:
        rows = Rows(session)
        campaign = experiment(rows, {"A": (60, 20, 10, 5), "B": (60, 40, 30, 25)})
        assert campaign.id is not None
        report = experiment_report(session=session, campaign_id=campaign.id)
        a, b = report.arms
        assert (a.invited, a.replied, a.booked, a.attended) == ("60", "20", "10", "5")
        assert (b.invited, b.replied, b.booked, b.attended) == ("60", "40", "30", "25")
        assert a.booking_rate == pytest.approx(1 / 6) and b.booking_rate == pytest.approx(0.5)
        (comparison,) = report.comparisons
        assert comparison.difference == pytest.approx(1 / 3)
        assert comparison.low is not None and comparison.low > 0 and comparison.excludes_zero
        assert report.verdict == "apart"
        assert "Variant B (tekst B) giver flere bookinger end variant A" in report.sentence_da
        assert report.arms[1].probability_best is not None
        assert report.arms[1].probability_best > 0.999
        assert "B-A,difference,0.33" in experiment_csv(report)

    def test_a_small_arm_is_hidden_and_nothing_is_computed(self, session: Session) -> None:
        rows = Rows(session)
        campaign = experiment(rows, {"A": (40, 10, 3, 2), "B": (40, 12, 8, 6)})
        assert campaign.id is not None
        report = experiment_report(session=session, campaign_id=campaign.id)
        a, b = report.arms
        assert a.booked == HIDDEN and a.attended == HIDDEN
        assert all(arm.booking_rate is None and arm.probability_best is None for arm in (a, b))
        assert report.comparisons[0].difference is None
        assert report.verdict == "too_few"
        assert report.sentence_da.startswith("Endnu for få svar til at skelne")
        # Nothing shown lets the hidden count be worked out from a shown one.
        assert "3" not in {a.booked, a.attended, b.booked, b.attended}

    def test_a_few_who_booked_and_did_not_come_hide_attended_not_the_outcome(
        self, session: Session
    ) -> None:
        # As in the demo: 2 and 3 booked without attending, every other cell five or more.
        rows = Rows(session)
        campaign = experiment(rows, {"A": (103, 29, 14, 12), "B": (103, 51, 25, 22)})
        assert campaign.id is not None
        report = experiment_report(session=session, campaign_id=campaign.id)
        a, b = report.arms
        assert (a.booked, b.booked) == ("14", "25")
        assert a.booking_rate == pytest.approx(14 / 103) and b.booking_rate is not None
        assert report.comparisons[0].difference == pytest.approx(11 / 103)
        assert report.verdict != "too_few"
        # Booked less attended would be the small cell: attended is hidden, in both arms.
        assert a.attended == HIDDEN and b.attended == HIDDEN

    def test_an_arm_of_fewer_than_five_hides_its_size_and_a_partner(self, session: Session) -> None:
        rows = Rows(session)
        campaign = experiment(rows, {"A": (3, 0, 0, 0), "B": (30, 10, 6, 5)})
        assert campaign.id is not None
        report = experiment_report(session=session, campaign_id=campaign.id)
        assert report.arms[0].invited == HIDDEN
        assert report.verdict == "too_few"

    def test_an_overlapping_interval_says_not_yet(self, session: Session) -> None:
        rows = Rows(session)
        campaign = experiment(rows, {"A": (50, 20, 10, 8), "B": (50, 22, 12, 9)})
        assert campaign.id is not None
        report = experiment_report(session=session, campaign_id=campaign.id)
        assert report.verdict == "not_apart"
        assert report.sentence_da.startswith("Data kan endnu ikke skelne varianterne")
        assert "rummer nul" in report.sentence_da

    def test_nothing_sent_yet_computes_nothing(self, session: Session) -> None:
        rows = Rows(session)
        campaign = experiment(rows, {"A": (0, 0, 0, 0), "B": (0, 0, 0, 0)})
        assert campaign.id is not None
        report = experiment_report(session=session, campaign_id=campaign.id)
        assert [arm.invited for arm in report.arms] == ["0", "0"]
        assert all(arm.probability_best is None for arm in report.arms)
        assert report.verdict == "too_few"

    def test_another_municipality_and_no_experiment_are_not_found(self, session: Session) -> None:
        rows = Rows(session)
        campaign = experiment(rows, {"A": (5, 0, 0, 0), "B": (5, 0, 0, 0)})
        plain = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
        assert campaign.id is not None and plain.id is not None
        with pytest.raises(NotFoundError):
            experiment_report(
                session=session, campaign_id=campaign.id, municipality_id=rows.lejre.id
            )
        with pytest.raises(NotFoundError, match="no experiment"):
            experiment_report(session=session, campaign_id=plain.id)
