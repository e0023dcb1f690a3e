"""The reports as evaluators see them: suppressed, per municipality, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlmodel import Session

from monitoring import Funnel
from monitoring.exports import csv_filename, funnel_csv, tables_csv
from monitoring.filters import ReportFilter
from monitoring.reports import scope_of, shown_funnel, tables_report
from monitoring.schemas import ReportScope
from monitoring.suppression import HIDDEN
from monitoring.timing import Median, Timing
from tests.monitoring.rows import Rows, record

FUNNEL = Funnel(
    invited=200,
    delivered=180,
    replied=90,
    screened_in=60,
    booked=45,
    attended=36,
    referred=3,
    followed_up=0,
    opted_out=12,
)
TIMING = Timing(
    to_reply=Median(seconds=5400.0, count=90),
    to_booking=Median(seconds=36000.0, count=4),
    slots=100,
    booked_slots=45,
    attended=36,
    no_show=9,
)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestShownFunnel:
    def test_counts_are_strings_small_ones_hidden(self) -> None:
        report = shown_funnel(funnel=FUNNEL, timing=TIMING, scope=ReportScope())
        assert report.counts.invited == "200"
        assert report.counts.referred == HIDDEN
        assert report.counts.followed_up == "0"

    def test_shares_that_would_reveal_a_hidden_count_are_null(self) -> None:
        report = shown_funnel(funnel=FUNNEL, timing=TIMING, scope=ReportScope())
        assert report.conversions["delivered"] == 0.9
        assert report.conversions["referred"] is None  # 3 of 36
        assert report.conversions["followed_up"] is None  # over a hidden 3

    def test_medians_in_hours_only_over_five_people(self) -> None:
        report = shown_funnel(funnel=FUNNEL, timing=TIMING, scope=ReportScope())
        assert report.median_hours_to_reply == 1.5
        assert report.median_hours_to_booking is None  # only four bookings

    def test_utilisation_and_no_show_rate(self) -> None:
        report = shown_funnel(funnel=FUNNEL, timing=TIMING, scope=ReportScope())
        assert (report.slots, report.booked_slots, report.slot_utilisation) == (100, "45", 0.45)
        assert report.no_show_rate == 0.2

    def test_small_no_show_count_hides_the_rate(self) -> None:
        few = Timing(
            to_reply=Median(None, 0),
            to_booking=Median(None, 0),
            slots=10,
            booked_slots=3,
            attended=20,
            no_show=2,
        )
        report = shown_funnel(funnel=FUNNEL, timing=few, scope=ReportScope())
        assert report.no_show_rate is None
        assert report.booked_slots == HIDDEN
        assert report.slot_utilisation is None

    def test_csv_has_a_row_per_measure(self) -> None:
        report = shown_funnel(funnel=FUNNEL, timing=TIMING, scope=ReportScope())
        values = {row["measure"]: row["value"] for row in _rows(funnel_csv(report))}
        assert values["invited"] == "200"
        assert values["referred"] == HIDDEN
        assert values["conversion_delivered"] == "0.9"
        assert values["conversion_referred"] == ""
        assert values["median_hours_to_booking"] == ""
        assert values["no_show_rate"] == "0.2"


@pytest.fixture
def world(session: Session) -> Rows:
    """Health checks in Roskilde (FOA, two periods) and Lejre (3F); four by chat."""
    rows = Rows(session)
    foa, tre_f = rows.foa.id, rows.tre_f.id
    for _ in range(12):
        record(session, partner_id=foa, municipal="motion")
    for _ in range(6):
        record(session, partner_id=foa, education="grundskole", gp_advice=True)
    for _ in range(3):
        record(session, partner_id=foa, age=63, channel="telegram", further_course=True)
    for _ in range(7):
        record(session, partner_id=foa, day=date(2026, 5, 4), other="fitness")
    for _ in range(8):
        record(session, municipality_code="350", partner_id=tre_f, municipal="rygestop")
    record(session, municipality_code="350", partner_id=tre_f, channel="telegram")
    session.commit()
    return rows


class TestTablesReport:
    def test_one_set_of_tables_per_municipality(self, session: Session, world: Rows) -> None:
        report = tables_report(session=session, report_filter=ReportFilter(), goals={})
        assert [(m.municipality_code, m.municipality) for m in report.municipalities] == [
            ("265", "Roskilde"),
            ("350", "Lejre"),
        ]
        roskilde = report.municipalities[0]
        assert roskilde.age_by_education.columns[-1] == "total"
        assert [row.age_band for row in roskilde.age_by_education.rows] == [
            "17-39",
            "40-60",
            "61+",
            "unknown",
            "total",
        ]
        assert roskilde.outcomes.health_checks == "28"

    def test_small_cells_and_their_partners_are_hidden(self, session: Session, world: Rows) -> None:
        report = tables_report(
            session=session, report_filter=ReportFilter(municipality_code="265"), goals={}
        )
        (roskilde,) = report.municipalities
        rows = {row.age_band: row.cells for row in roskilde.age_by_education.rows}
        # grundskole, kort, lang, anden, unknown, total
        # The three aged 61+ are hidden, then enough around them that no sum gives them away.
        assert rows["40-60"] == [HIDDEN, HIDDEN, "0", "0", "0", HIDDEN]
        assert rows["61+"] == ["0", HIDDEN, "0", "0", "0", HIDDEN]
        assert rows["total"] == [HIDDEN, HIDDEN, "0", "0", "0", "28"]

    def test_an_outcome_is_hidden_when_its_rest_is_small(
        self, session: Session, world: Rows
    ) -> None:
        report = tables_report(
            session=session, report_filter=ReportFilter(municipality_code="350"), goals={}
        )
        outcomes = report.municipalities[0].outcomes
        assert outcomes.health_checks == "9"
        assert outcomes.referred_municipal == HIDDEN  # 8 of 9: the one not referred shows
        assert outcomes.gp_advice == "0"

    def test_recruited_against_the_goal(self, session: Session, world: Rows) -> None:
        report = tables_report(
            session=session,
            report_filter=ReportFilter(channel="sms", period_to=date(2026, 4, 30)),
            goals={"265": 100, "350": 40, "101": 500},
        )
        goals = {m.municipality_code: m.recruited_against_goal for m in report.municipalities}
        assert goals["265"].recruited == "18"  # aged 40-60, before May
        assert goals["265"].share == 0.18
        assert (goals["350"].recruited, goals["350"].share) == ("8", 0.2)
        assert (goals["101"].goal, goals["101"].recruited, goals["101"].share) == (500, "0", 0.0)

    def test_filters(self, session: Session, world: Rows) -> None:
        def health_checks(report_filter: ReportFilter) -> list[str]:
            report = tables_report(session=session, report_filter=report_filter, goals={})
            return [m.outcomes.health_checks for m in report.municipalities]

        assert health_checks(ReportFilter(period_from=date(2026, 5, 1))) == ["7"]
        assert health_checks(ReportFilter(partner_id=world.tre_f.id)) == ["9"]
        assert health_checks(ReportFilter(channel="telegram")) == [HIDDEN, HIDDEN]
        assert health_checks(ReportFilter(municipality_code="101")) == ["0"]

    def test_csv_has_a_row_per_cell(self, session: Session, world: Rows) -> None:
        report = tables_report(
            session=session,
            report_filter=ReportFilter(municipality_code="265"),
            goals={"265": 100},
        )
        rows = _rows(tables_csv(report))
        assert len(rows) == 5 * 6 + 5 + 3
        assert rows[0] == {
            "municipality_code": "265",
            "municipality": "Roskilde",
            "table": "age_by_education",
            "row": "17-39",
            "column": "grundskole",
            "value": "0",
        }
        cells = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
        assert cells["age_by_education", "61+", "kort"] == HIDDEN
        assert cells["outcomes", "referred_municipal", "count"] == "12"
        assert cells["recruited_against_goal", "goal", "value"] == "100"
        # The 40-60 total is hidden to protect the three aged 61+, and so is the share.
        assert cells["recruited_against_goal", "recruited", "value"] == HIDDEN
        assert cells["recruited_against_goal", "share", "value"] == ""


class TestScope:
    def test_scope_and_file_name(self) -> None:
        report_filter = ReportFilter(
            campaign_id=4,
            municipality_code="265",
            period_from=date(2026, 1, 1),
            period_to=date(2026, 3, 31),
        )
        scope = scope_of(report_filter)
        assert scope.model_dump(by_alias=True)["from"] == date(2026, 1, 1)
        assert csv_filename("funnel", scope) == "funnel_265_campaign4_2026-01-01_2026-03-31.csv"
        assert csv_filename("tables", ReportScope()) == "tables_all.csv"
        by_partner = ReportScope(partner="FOA Sjælland/Østerbro", municipality="265")
        assert csv_filename("funnel", by_partner) == "funnel_265_FOA-Sjaelland-Osterbro.csv"
