"""The campaign API end to end: keys, municipality scope, lifecycle, preview, funnel, import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core.clock import SimulatedClock
from core.principal import Role
from core.settings import Settings
from outreach.contacts import validating
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from tests.api.support import bearer, make_key
from tests.factories import MONDAY, add_contact, make_world
from tests.outreach.worlds import recorded_pools

TEMPLATE_DA = (
    "Hej {first_name}! {sender} tilbyder dig et gratis sundhedstjek. Svar JA eller NEJ. "
    "Skriv STOP for at afmelde."
)


@dataclass
class Api:
    client: TestClient
    roskilde: dict[str, str]  # coordinator limited to Roskilde
    lejre: dict[str, str]  # coordinator limited to Lejre
    evaluator: dict[str, str]
    staff: dict[str, str]

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Sundhedstjek", "partners": ["FOA Roskilde"], "sender": "Roskilde Kommune"}
        response = self.client.post("/api/v1/campaigns", json=body | fields, headers=self.roskilde)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def post(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(f"/api/v1/campaigns/{path}", headers=headers or self.roskilde)


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    runtime = build_runtime(
        Settings(database_url=database_url), clock=SimulatedClock(MONDAY), migrate=False
    )
    with Session(runtime.engine) as session:
        world = make_world(session)
        for n in range(5):
            add_contact(session, world, phone=f"+4522{n:06d}", name=f"Anne{n} Jensen")
        session.commit()
    keys = {
        "roskilde": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde"),
        "lejre": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Lejre"),
        "evaluator": make_key(runtime.engine, role=Role.EVALUATOR, municipality="Roskilde"),
        "staff": make_key(runtime.engine, role=Role.STAFF, municipality="Roskilde"),
    }
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    yield Api(client, **{name: bearer(key) for name, key in keys.items()})
    runtime.engine.dispose()


class TestCreate:
    def test_a_draft_in_the_keys_municipality_with_defaults(self, api: Api) -> None:
        created = api.create(
            template_da=TEMPLATE_DA,
            blackouts=[{"first_day": "2026-12-21", "last_day": "2027-01-03"}],
        )
        assert created["status"] == "draft"
        assert created["municipality"] == {"code": "265", "name": "Roskilde"}
        assert created["partners"] == ["FOA Roskilde"]
        assert (created["age_min"], created["age_max"]) == (40, 60)
        assert (created["window_start_hour"], created["window_end_hour"]) == (9, 18)
        assert created["blackouts"] == [{"first_day": "2026-12-21", "last_day": "2027-01-03"}]

    @pytest.mark.parametrize(
        ("fields", "needle"),
        [
            ({"status": "running"}, "status"),  # not a field anyone may set
            ({"launched_at": "2026-11-23T09:00:00+01:00"}, "launched_at"),
            ({"age_min": 61}, "age_min is above age_max"),
            ({"partners": ["Ukendt Fagforening"]}, "unknown partner"),
            ({"channel": "pigeon"}, "not configured"),
            ({"template_da": "Hej {navn}"}, "unknown placeholder"),
            ({"starts_at": "2027-01-04T09:00:00"}, "time zone"),
        ],
    )
    def test_what_is_refused(self, api: Api, fields: dict[str, Any], needle: str) -> None:
        body = {"name": "x", "partners": ["FOA Roskilde"], "sender": "Roskilde Kommune"}
        response = api.client.post("/api/v1/campaigns", json=body | fields, headers=api.roskilde)
        assert response.status_code == 422, response.text
        assert needle in response.text

    def test_a_partner_is_named_in_any_case_and_once(self, api: Api) -> None:
        created = api.create(partners=["foa roskilde", "FOA ROSKILDE"])
        assert created["partners"] == ["FOA Roskilde"]

    def test_not_in_another_municipality(self, api: Api) -> None:
        body = {"name": "x", "partners": ["FOA Roskilde"], "sender": "x", "municipality": "Lejre"}
        response = api.client.post("/api/v1/campaigns", json=body, headers=api.roskilde)
        assert response.status_code == 403
        listed = api.client.get("/api/v1/campaigns", headers=api.roskilde).json()
        assert "x" not in {c["name"] for c in listed}  # rolled back, not half made

    def test_needs_a_coordinator(self, api: Api) -> None:
        body = {"name": "x", "partners": ["FOA Roskilde"], "sender": "x"}
        assert api.client.post("/api/v1/campaigns", json=body).status_code == 401
        assert api.client.post("/api/v1/campaigns", json=body, headers=api.staff).status_code == 403


class TestScope:
    def test_another_municipalitys_campaign_does_not_exist(self, api: Api) -> None:
        campaign_id = api.create()["id"]
        assert (
            api.client.get(f"/api/v1/campaigns/{campaign_id}", headers=api.lejre).status_code == 404
        )
        for action in ("preview", "launch", "pause", "resume", "cancel"):
            assert api.post(f"{campaign_id}/{action}", api.lejre).status_code == 404, action
        assert api.client.get("/api/v1/campaigns", headers=api.lejre).json() == []
        listed = api.client.get("/api/v1/campaigns", headers=api.roskilde).json()
        assert campaign_id == listed[0]["id"]  # newest first


class TestLifecycle:
    def test_preview_launch_pause_resume_cancel(self, api: Api) -> None:
        campaign_id = api.create(template_da=TEMPLATE_DA)["id"]
        preview = api.post(f"{campaign_id}/preview").json()
        assert preview["targeted"] == 5 == preview["list_size"]
        assert preview["templates"][0]["source"] == "campaign"
        assert preview["sample"][0]["text"].startswith("Hej Anne0!")
        launched = api.post(f"{campaign_id}/launch").json()
        assert launched["invitations"] == 5 and launched["campaign"]["status"] == "running"
        assert launched["campaign"]["invitations"] == {"pending": 5}
        assert api.post(f"{campaign_id}/launch").status_code == 409
        assert api.post(f"{campaign_id}/pause").json()["status"] == "paused"
        assert api.post(f"{campaign_id}/pause").status_code == 409
        assert api.post(f"{campaign_id}/resume").json()["status"] == "running"
        cancelled = api.post(f"{campaign_id}/cancel").json()
        assert cancelled["status"] == "cancelled" and cancelled["invitations"] == {"cancelled": 5}

    def test_a_refused_template_is_a_422_with_the_reasons(self, api: Api) -> None:
        campaign_id = api.create(template_en="Health check! Reply YES.")["id"]
        for action in ("preview", "launch"):
            response = api.post(f"{campaign_id}/{action}")
            assert response.status_code == 422
            message = response.json()["error"]["message"]
            assert "English template" in message and "STOP" in message and "sends it" in message

    @pytest.mark.parametrize(
        "field",
        ["name", "sender", "help_phone", "age_min", "daily_limit", "window_start_hour", "paced",
         "partners", "channel", "booking_rate_prior"],
    )  # fmt: skip
    def test_null_for_a_field_that_cannot_be_empty_is_a_422(self, api: Api, field: str) -> None:
        campaign_id = api.create()["id"]
        path = f"/api/v1/campaigns/{campaign_id}"
        response = api.client.patch(path, json={field: None}, headers=api.roskilde)
        assert response.status_code == 422
        assert api.client.get(path, headers=api.roskilde).json()[field] is not None

    def test_patch_a_draft_only(self, api: Api) -> None:
        campaign_id = api.create(template_en="Health check! Reply YES.")["id"]
        path = f"/api/v1/campaigns/{campaign_id}"
        patched = api.client.patch(
            path, json={"template_en": None, "daily_limit": 7}, headers=api.roskilde
        )
        assert patched.status_code == 200 and patched.json()["template_en"] is None
        assert patched.json()["daily_limit"] == 7
        assert api.client.patch(path, json={"status": "x"}, headers=api.roskilde).status_code == 422
        api.post(f"{campaign_id}/launch")
        assert (
            api.client.patch(path, json={"age_min": 45}, headers=api.roskilde).status_code == 409
        )  # a launched campaign takes only what tests/outreach/test_running_changes.py changes

    def test_funnel_for_evaluators_too(self, api: Api) -> None:
        campaign_id = api.create()["id"]
        path = f"/api/v1/campaigns/{campaign_id}/funnel"
        funnel = api.client.get(path, headers=api.evaluator).json()
        assert funnel["counts"]["invited"] == 0 and "booked" in funnel["conversions"]
        assert api.client.get(path, headers=api.roskilde).status_code == 200
        assert api.client.get(path, headers=api.staff).status_code == 403
        assert api.client.get(path, headers=api.lejre).status_code == 404


class TestImport:
    CSV = (
        "Navn;Mobilnr. privat;Født;Kommune\r\n"
        "Anne Jensen;20 12 34 56;01-05-1976;Roskilde\r\n"
        "Bo Hansen;12 34;02-06-1970;Roskilde\r\n"
    ).encode("utf-8-sig")

    def post(self, api: Api, **form: str) -> Any:
        files = {"file": ("medlemmer.csv", self.CSV, "text/csv")}
        return api.client.post(
            "/api/v1/contacts/import", files=files, data=form, headers=api.roskilde
        )

    def test_with_a_mapping(self, api: Api) -> None:
        response = self.post(
            api, partner="3F Roskilde", mapping="Mobilnr. privat=phone,Født=birth_date"
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["imported"] == 1
        assert [r["line"] for r in report["rejected"]] == [3]

    def test_a_big_file_is_validated_in_the_server_itself_with_no_fork(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The server runs threads: a forked worker could inherit a lock one of them holds.
        pools = recorded_pools(monkeypatch)
        monkeypatch.setattr(validating, "POOL_FROM_ROWS", 0)  # this file is big enough
        monkeypatch.setattr(validating, "POOL_WORKERS", 2)  # and the machine has cores
        response = self.post(api, partner="3F Roskilde", mapping="Mobilnr. privat=phone")
        assert response.status_code == 200, response.text
        assert pools == []
        report = response.json()
        assert report["imported"] == 1
        assert report["rejected"] == [{"line": 3, "reason": "invalid phone number '12 34'"}]

    def test_a_dry_run_reports_and_stores_nothing(self, api: Api) -> None:
        mapping = "Mobilnr. privat=phone,Født=birth_date"
        checked = self.post(api, partner="Dansk Metal", mapping=mapping, dry_run="true")
        assert checked.status_code == 200, checked.text
        shown = checked.json()
        assert shown["dry_run"] is True and shown["partner_exists"] is False
        assert {"column": "Mobilnr. privat", "field": "phone"} in shown["columns"]
        assert shown["first_rows"][0]["phone"] == "+4520123456"
        assert [r["line"] for r in shown["rejected"]] == [3]
        assert self.post(api, partner="Dansk Metal", mapping=mapping).json()["imported"] == 1
        # A partner of another municipality is not there for the key, in a dry run too.
        other = self.post(api, partner="Dansk Metal", mapping=mapping, dry_run="true")
        assert other.json()["partner_exists"] is True
        lejre = api.client.post(
            "/api/v1/contacts/import",
            files={"file": ("m.csv", self.CSV, "text/csv")},
            data={"partner": "Dansk Metal", "mapping": mapping, "dry_run": "true"},
            headers=api.lejre,
        )
        assert lejre.status_code == 404
        # Nor does a dry run tell Lejre that Roskilde already holds the number.
        own = api.client.post(
            "/api/v1/contacts/import",
            files={"file": ("m.csv", self.CSV, "text/csv")},
            data={"partner": "Lejre Golfklub", "mapping": mapping, "dry_run": "true"},
            headers=api.lejre,
        )
        assert own.status_code == 200 and (own.json()["known"], own.json()["new"]) == (0, 1)
        assert other.json()["known"] == 1  # Roskilde's own key does see it

    def test_an_unreadable_mapping_or_file_is_a_422(self, api: Api) -> None:
        assert self.post(api, partner="3F", mapping="phone").status_code == 422
        assert self.post(api, partner="3F").status_code == 422  # no phone column found
        assert self.post(api, partner="3F", mapping="Nope=phone").status_code == 422
