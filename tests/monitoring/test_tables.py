"""The evaluation's tables, grouped from monitoring records on a real database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from monitoring import AGE_BANDS, EDUCATION_GROUPS, AgeBand, EducationGroup, evaluation_tables
from store.models import Campaign, Municipality, Partner
from tests.monitoring.rows import record

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Campaigns:
    foa: int
    tre_f: int


def _campaign(session: Session, *, name: str, municipality_id: int, partner_name: str) -> int:
    partner = Partner(name=partner_name, municipality_id=municipality_id)
    session.add(partner)
    session.flush()
    assert partner.id is not None
    campaign = Campaign(
        name=name,
        municipality_id=municipality_id,
        partner_id=partner.id,
        sender="Roskilde Kommune",
        created_at=T0,
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    return campaign.id


@pytest.fixture
def campaigns(session: Session) -> Campaigns:
    """Health checks in Roskilde from two campaigns, and one in København."""
    roskilde = Municipality(code="265", name="Roskilde")
    session.add(roskilde)
    session.flush()
    assert roskilde.id is not None
    foa = _campaign(session, name="FOA", municipality_id=roskilde.id, partner_name="FOA")
    tre_f = _campaign(session, name="3F", municipality_id=roskilde.id, partner_name="3F")
    record(session, campaign_id=foa, age=39, education="grundskole", municipal="motion")
    record(session, campaign_id=foa, age=39, education="grundskole", gp_advice=True)
    record(
        session,
        campaign_id=foa,
        age=40,
        education="kort",
        municipal="rygestop,kost",
        other="fitness",
        further_course=True,
    )
    record(session, campaign_id=foa, age=60, education="kort", other="  ", gp_advice=True)
    record(session, campaign_id=foa, age=61, education="lang", further_course=True)
    record(session, campaign_id=foa, age=16, education="anden")
    record(session, campaign_id=foa, age=None, education=None)
    record(session, campaign_id=foa, age=17, education=" Kort ")
    record(session, campaign_id=tre_f, age=45, education="master", municipal="kost")
    record(session, campaign_id=tre_f, age=50, education="kort", municipality_code="101")
    session.commit()
    return Campaigns(foa=foa, tre_f=tre_f)


class TestEvaluationTables:
    def test_counts_by_age_band_and_education(self, session: Session, campaigns: Campaigns) -> None:
        tables = evaluation_tables(session=session, municipality_code="265")
        assert tables.cells == (
            # grundskole, kort, lang, anden, unknown
            (2, 1, 0, 0, 0),  # 17–39: the two aged 39 and the one aged 17
            (0, 2, 0, 0, 1),  # 40–60: aged 40 and 60; the unknown "master"
            (0, 0, 1, 0, 0),  # 61+
            (0, 0, 0, 1, 1),  # unknown: aged 16, and no age at all
        )
        assert tables.total == 9

    def test_margins(self, session: Session, campaigns: Campaigns) -> None:
        tables = evaluation_tables(session=session, municipality_code="265")
        assert tables.by_age() == {
            AgeBand.YOUNG: 3,
            AgeBand.TARGET: 3,
            AgeBand.OLDER: 1,
            AgeBand.UNKNOWN: 2,
        }
        assert tables.by_education() == {
            EducationGroup.GRUNDSKOLE: 2,
            EducationGroup.KORT: 3,
            EducationGroup.LANG: 1,
            EducationGroup.ANDEN: 1,
            EducationGroup.UNKNOWN: 2,
        }
        assert tables.cross()[AgeBand.TARGET, EducationGroup.KORT] == 2
        assert len(tables.cross()) == len(AGE_BANDS) * len(EDUCATION_GROUPS)

    def test_referrals_gp_advice_and_further_course(
        self, session: Session, campaigns: Campaigns
    ) -> None:
        tables = evaluation_tables(session=session, municipality_code="265")
        assert tables.referred_municipal == 3
        assert tables.referred_non_municipal == 1  # a blank referral is none
        assert tables.gp_advice == 2
        assert tables.further_course == 2

    def test_one_campaign(self, session: Session, campaigns: Campaigns) -> None:
        tables = evaluation_tables(session=session, campaign_id=campaigns.tre_f)
        assert tables.by_age()[AgeBand.TARGET] == 2
        assert tables.by_education() == {
            EducationGroup.GRUNDSKOLE: 0,
            EducationGroup.KORT: 1,
            EducationGroup.LANG: 0,
            EducationGroup.ANDEN: 0,
            EducationGroup.UNKNOWN: 1,
        }
        assert tables.referred_municipal == 1
        assert (tables.municipality_code, tables.campaign_id) == (None, campaigns.tre_f)

    def test_municipality_and_campaign(self, session: Session, campaigns: Campaigns) -> None:
        tables = evaluation_tables(
            session=session, municipality_code="265", campaign_id=campaigns.tre_f
        )
        assert tables.total == 1
        assert tables.cells[1][4] == 1

    def test_all_municipalities(self, session: Session, campaigns: Campaigns) -> None:
        tables = evaluation_tables(session=session)
        assert tables.total == 10
        assert tables.by_age()[AgeBand.TARGET] == 4

    def test_no_records_gives_zeros_everywhere(self, session: Session) -> None:
        tables = evaluation_tables(session=session, municipality_code="751")
        assert tables.matrix() == [[0] * 5 for _ in range(4)]
        assert (tables.referred_municipal, tables.gp_advice, tables.total) == (0, 0, 0)


class TestLabels:
    def test_danish_headings(self) -> None:
        assert [band.label for band in AGE_BANDS] == ["17–39 år", "40–60 år", "61+ år", "Uoplyst"]
        assert [group.label for group in EDUCATION_GROUPS] == [
            "Grundskole",
            "Kort uddannelse",
            "Lang uddannelse",
            "Anden",
            "Uoplyst",
        ]
