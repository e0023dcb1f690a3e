"""GET /api/v1/reports/funnel and /tables: filters, CSV, and a key's municipality."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core.principal import Role
from monitoring.suppression import HIDDEN
from tests.api.support import bearer, make_key, running_app
from tests.monitoring.rows import T0, Rows, record

FUNNEL = "/api/v1/reports/funnel"
TABLES = "/api/v1/reports/tables"
HOUR = timedelta(hours=1)


@dataclass
class Api:
    client: TestClient
    coordinator: dict[str, str]
    roskilde_evaluator: dict[str, str]
    roskilde_campaign: int
    lejre_campaign: int


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    """Six invited in Roskilde, five in Lejre; health checks in both."""
    with running_app(database_url) as (runtime, client):
        with Session(runtime.engine) as session:
            rows = Rows(session)
            roskilde = rows.campaign(partner=rows.foa, municipality=rows.roskilde)
            lejre = rows.campaign(partner=rows.tre_f, municipality=rows.lejre)
            for campaign, people in ((roskilde, 6), (lejre, 5)):
                for n in range(people):
                    conversation = rows.invite(campaign=campaign, replied_after=HOUR * (n + 1))
                    rows.book(conversation=conversation, after=HOUR * 24, status="attended")
            for _ in range(7):
                record(session, campaign_id=roskilde.id, partner_id=rows.foa.id)
            for _ in range(6):
                record(session, municipality_code="350", campaign_id=lejre.id)
            session.commit()
            assert roskilde.id is not None and lejre.id is not None
            ids = roskilde.id, lejre.id
        yield Api(
            client=client,
            coordinator=bearer(make_key(runtime.engine, role=Role.COORDINATOR)),
            roskilde_evaluator=bearer(
                make_key(runtime.engine, role=Role.EVALUATOR, municipality="Roskilde")
            ),
            roskilde_campaign=ids[0],
            lejre_campaign=ids[1],
        )


class TestFunnelEndpoint:
    def test_json(self, api: Api) -> None:
        response = api.client.get(FUNNEL, headers=api.coordinator)
        assert response.status_code == 200
        body = response.json()
        assert body["counts"]["invited"] == "11"
        assert body["counts"]["attended"] == "11"
        assert body["median_hours_to_reply"] == 3.0  # 1 1 2 2 3 [3] 4 4 5 5 6
        assert body["median_hours_to_booking"] == 24.0
        assert body["suppression"]["hidden_as"] == HIDDEN

    def test_filters(self, api: Api) -> None:
        params = {"municipality": "Lejre", "from": "2026-03-02", "to": "2026-03-02"}
        body = api.client.get(FUNNEL, params=params, headers=api.coordinator).json()
        assert body["counts"]["invited"] == "5"
        assert body["scope"] == {
            "campaign": None,
            "partner": None,
            "channel": None,
            "municipality": "350",
            "from": "2026-03-02",
            "to": "2026-03-02",
        }
        later = {"from": (T0 + timedelta(days=1)).date().isoformat()}
        body = api.client.get(FUNNEL, params=later, headers=api.coordinator).json()
        assert body["counts"]["invited"] == "0"
        by_partner = {"partner": "FOA Roskilde", "channel": "sms"}
        body = api.client.get(FUNNEL, params=by_partner, headers=api.coordinator).json()
        assert body["counts"]["invited"] == "6"

    def test_csv(self, api: Api) -> None:
        params = {"format": "csv", "municipality": "265", "from": "2026-03-01"}
        response = api.client.get(FUNNEL, params=params, headers=api.coordinator)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            'attachment; filename="funnel_265_2026-03-01.csv"'
        )
        values = dict(csv.reader(io.StringIO(response.text)))
        assert values["measure"] == "value"
        assert values["invited"] == "6"

    def test_a_municipality_key_sees_only_its_own(self, api: Api) -> None:
        body = api.client.get(FUNNEL, headers=api.roskilde_evaluator).json()
        assert body["scope"]["municipality"] == "265"
        assert body["counts"]["invited"] == "6"
        for params in (
            {"municipality": "Lejre"},
            {"campaign": api.lejre_campaign},
            {"partner": "3F Lejre"},
        ):
            response = api.client.get(FUNNEL, params=params, headers=api.roskilde_evaluator)
            assert response.status_code == 404, params
        own = {"campaign": api.roskilde_campaign, "partner": "FOA Roskilde"}
        assert api.client.get(FUNNEL, params=own, headers=api.roskilde_evaluator).is_success

    def test_errors_are_json_with_a_reason(self, api: Api) -> None:
        cases: list[tuple[dict[str, object], int, str]] = [
            ({"campaign": 999}, 404, "no campaign 999"),
            ({"partner": "Ukendt"}, 404, "no partner named 'Ukendt'"),
            ({"municipality": "Atlantis"}, 422, "'Atlantis' is not a Danish municipality"),
            ({"from": "2026-05-02", "to": "2026-05-01"}, 422, "first day comes after"),
            ({"from": "1066-10-14"}, 422, "dates must lie between"),
            ({"campaign": 2**40}, 422, "the request is not valid"),
            ({"channel": "SMS!"}, 422, "the request is not valid"),
            ({"format": "xlsx"}, 422, "the request is not valid"),
        ]
        for params, status, message in cases:
            response = api.client.get(FUNNEL, params=params, headers=api.coordinator)
            assert response.status_code == status, params
            assert message in response.json()["error"]["message"], params


class TestTablesEndpoint:
    def test_json_per_municipality(self, api: Api) -> None:
        body = api.client.get(TABLES, headers=api.coordinator).json()
        assert [m["municipality"] for m in body["municipalities"]] == ["Roskilde", "Lejre"]
        roskilde = body["municipalities"][0]
        assert roskilde["outcomes"]["health_checks"] == "7"
        assert roskilde["recruited_against_goal"] == {"goal": None, "recruited": "7", "share": None}

    def test_goal(self, api: Api) -> None:
        params = {"municipality": "Roskilde", "goal": "70"}
        body = api.client.get(TABLES, params=params, headers=api.coordinator).json()
        (roskilde,) = body["municipalities"]
        assert roskilde["recruited_against_goal"] == {"goal": 70, "recruited": "7", "share": 0.1}
        several = [("goal", "Roskilde=70"), ("goal", "350=12")]
        body = api.client.get(TABLES, params=several, headers=api.coordinator).json()
        shares = [m["recruited_against_goal"]["share"] for m in body["municipalities"]]
        assert shares == [0.1, 0.5]

    def test_a_bare_goal_needs_one_municipality(self, api: Api) -> None:
        response = api.client.get(TABLES, params={"goal": "70"}, headers=api.coordinator)
        assert response.status_code == 422
        assert "MUNICIPALITY=N" in response.json()["error"]["message"]
        scoped = api.client.get(TABLES, params={"goal": "70"}, headers=api.roskilde_evaluator)
        assert scoped.json()["municipalities"][0]["recruited_against_goal"]["goal"] == 70

    def test_period_is_the_health_check_date(self, api: Api) -> None:
        before = {"to": (date(2026, 3, 9) - timedelta(days=1)).isoformat()}
        body = api.client.get(TABLES, params=before, headers=api.coordinator).json()
        assert body["municipalities"] == []

    def test_csv(self, api: Api) -> None:
        params = {"format": "csv", "campaign": api.lejre_campaign}
        response = api.client.get(TABLES, params=params, headers=api.coordinator)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert 'filename="tables_all_campaign' in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert {row["municipality"] for row in rows} == {"Lejre"}
        total = [r for r in rows if r["row"] == "health_checks"]
        assert total[0]["value"] == "6"

    def test_a_municipality_key_sees_only_its_own(self, api: Api) -> None:
        body = api.client.get(TABLES, headers=api.roskilde_evaluator).json()
        assert [m["municipality_code"] for m in body["municipalities"]] == ["265"]
        response = api.client.get(
            TABLES, params={"municipality": "350"}, headers=api.roskilde_evaluator
        )
        assert response.status_code == 404
