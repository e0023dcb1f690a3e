"""Whose a partner is, and finding it by name as people type it, on SQLite and PostgreSQL.

A partner belongs to a municipality unless a national coordinator makes it national; a key
limited to a municipality adds to its own partners' lists only. "foa roskilde" is "FOA
Roskilde" in imports, dry runs and reports, never a second partner.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from core.clock import SimulatedClock
from core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from core.principal import Role
from core.settings import Settings, get_settings
from monitoring.repository import partner_by_name
from outreach.contacts import PartnerOwner, dry_run, import_members, read_member_file
from outreach.contacts.partners import list_partners, set_owner
from recruitbot.app import create_app
from recruitbot.cli import app as cli
from recruitbot.runtime import build_runtime
from store.models import CampaignPartner, Membership, Municipality, Partner
from store.partners import partner_named
from tests.api.support import bearer, make_key
from tests.factories import MONDAY, make_world
from tests.outreach.test_member_import import IDS, NOW

ROW = {"name": "Anne Jensen", "phone": "20123456"}
ROSKILDE = PartnerOwner(municipality="Roskilde")
NATIONAL = PartnerOwner(national=True)


def _import(
    session: Session,
    partner: str,
    *,
    scope: int | None = None,
    owner: PartnerOwner = PartnerOwner(),
    row: dict[str, str] = ROW,
) -> int:
    report = import_members(
        session=session,
        rows=[(2, row)],
        partner_name=partner,
        pseudonymizer=IDS,
        now=NOW,
        scope_municipality_id=scope,
        owner=owner,
    )
    return report.imported + report.updated


def _partners(session: Session) -> dict[str, int | None]:
    return {p.name: p.municipality_id for p in session.exec(select(Partner)).all()}


def _members(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Membership)).one()


@pytest.fixture
def places(session: Session) -> tuple[int, int]:
    """Roskilde and Lejre, with no partner yet."""
    roskilde = Municipality(code="265", name="Roskilde")
    lejre = Municipality(code="350", name="Lejre")
    session.add_all([roskilde, lejre])
    session.flush()
    assert roskilde.id is not None and lejre.id is not None
    return roskilde.id, lejre.id


class TestANewPartner:
    def test_needs_a_municipality_or_national_from_a_national_caller(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        with pytest.raises(InvalidInputError, match="new partner"):
            _import(session, "FOA Roskilde")
        assert _partners(session) == {} and _members(session) == 0

    def test_is_the_named_municipalitys(self, session: Session, places: tuple[int, int]) -> None:
        roskilde, _ = places
        assert _import(session, "FOA Roskilde", owner=PartnerOwner(municipality="265")) == 1
        assert _partners(session) == {"FOA Roskilde": roskilde}

    def test_is_national_only_when_said(self, session: Session, places: tuple[int, int]) -> None:
        assert _import(session, "Ældre Sagen", owner=NATIONAL) == 1
        assert _partners(session) == {"Ældre Sagen": None}

    def test_of_a_scoped_key_is_its_municipalitys(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        _, lejre = places
        assert _import(session, "Lejre Idræt", scope=lejre) == 1
        assert _import(session, "Lejre Golf", scope=lejre, owner=PartnerOwner("Lejre")) == 1
        assert _partners(session) == {"Lejre Idræt": lejre, "Lejre Golf": lejre}

    @pytest.mark.parametrize(
        ("owner", "error"),
        [
            (PartnerOwner(national=True), ForbiddenError),  # only a national key says national
            (PartnerOwner(municipality="Roskilde"), NotFoundError),  # another municipality
        ],
    )
    def test_a_scoped_key_cannot_make_it_anyone_elses(
        self, session: Session, places: tuple[int, int], owner: PartnerOwner, error: type
    ) -> None:
        _, lejre = places
        with pytest.raises(error):
            _import(session, "Lejre Idræt", scope=lejre, owner=owner)
        assert _partners(session) == {}

    @pytest.mark.parametrize(
        "owner",
        [PartnerOwner(municipality="Roskilde", national=True), PartnerOwner("Narnia")],
    )
    def test_a_contradiction_or_an_unknown_place_is_refused(
        self, session: Session, places: tuple[int, int], owner: PartnerOwner
    ) -> None:
        with pytest.raises(InvalidInputError):
            _import(session, "FOA Roskilde", owner=owner)
        assert _partners(session) == {}

    def test_a_name_longer_than_the_column_is_refused(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        with pytest.raises(ValueError, match="120"):
            _import(session, "F" * 121, owner=ROSKILDE)


class TestAScopedKey:
    def test_may_not_add_to_a_national_partners_list(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        _, lejre = places
        _import(session, "Ældre Sagen", owner=NATIONAL)
        before = _members(session)
        with pytest.raises(ForbiddenError, match="national partner"):
            _import(session, "ældre sagen", scope=lejre, row={"phone": "30123456"})
        assert _members(session) == before, "nobody joined the list"

    def test_does_not_see_another_municipalitys_partner(
        self, session: Session, places: tuple[int, int], tmp_path: Path
    ) -> None:
        roskilde, lejre = places
        _import(session, "FOA Roskilde", scope=roskilde)
        with pytest.raises(NotFoundError, match="no partner named"):
            _import(session, "foa roskilde", scope=lejre, row={"phone": "30123456"})
        with pytest.raises(NotFoundError):
            dry_run_of(session, "FOA ROSKILDE", folder=tmp_path, scope=lejre)
        assert _partners(session) == {"FOA Roskilde": roskilde}

    def test_adds_to_its_own(self, session: Session, places: tuple[int, int]) -> None:
        roskilde, _ = places
        _import(session, "FOA Roskilde", owner=ROSKILDE)
        assert _import(session, "foa roskilde", scope=roskilde, row={"phone": "30123456"}) == 1
        assert _members(session) == 2


class TestAnExistingPartner:
    @pytest.mark.parametrize(
        "owner", [PartnerOwner(municipality="Lejre"), PartnerOwner(national=True)]
    )
    def test_must_agree_with_what_the_import_says_of_it(
        self, session: Session, places: tuple[int, int], owner: PartnerOwner
    ) -> None:
        _import(session, "FOA Roskilde", owner=ROSKILDE)
        with pytest.raises(ConflictError, match="belongs to Roskilde"):
            _import(session, "FOA Roskilde", owner=owner, row={"phone": "30123456"})
        assert _members(session) == 1

    def test_needs_nothing_more_from_a_national_caller(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        _import(session, "FOA Roskilde", owner=ROSKILDE)
        assert _import(session, "FOA Roskilde", row={"phone": "30123456"}) == 1


def dry_run_of(
    session: Session, partner: str, *, folder: Path, scope: int | None = None
) -> dict[str, object]:
    path = folder / "m.csv"
    path.write_text("Navn;Mobil\r\nAnne;20123456\r\n", encoding="utf-8")
    return dry_run(
        session=session,
        member_file=read_member_file(path),
        partner_name=partner,
        pseudonymizer=IDS,
        today=NOW.date(),
        scope_municipality_id=scope,
    ).as_dict()


# --- names as people type them ----------------------------------------------------------------


class TestNames:
    @pytest.mark.parametrize(
        "typed",
        ["foa vejle", "FOA VEJLE", "  Foa   Vejle ", "ＦＯＡ Vejle"],  # the last: full-width
    )
    def test_another_case_imports_into_the_same_partner(
        self, session: Session, places: tuple[int, int], typed: str
    ) -> None:
        _import(session, "FOA Vejle", owner=PartnerOwner("Vejle"))
        assert _import(session, typed, row={"phone": "30123456"}) == 1
        assert list(_partners(session)) == ["FOA Vejle"], "no second partner"
        assert _members(session) == 2

    def test_danish_letters_and_accents_in_any_case(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        _import(session, "Ældre Sagen Århus Café", owner=NATIONAL)
        decomposed = unicodedata.normalize("NFD", "ÆLDRE SAGEN ÅRHUS CAFÉ")
        found = partner_named(session=session, name=decomposed)
        assert found is not None and found.name == "Ældre Sagen Århus Café"
        assert partner_named(session=session, name="ældre sagen aarhus café") is None

    def test_reports_and_dry_runs_find_it(
        self, session: Session, places: tuple[int, int], tmp_path: Path
    ) -> None:
        _import(session, "FOA Vejle", owner=PartnerOwner("Vejle"))
        found = partner_by_name(session=session, name="foa vejle")
        assert found is not None and found.name == "FOA Vejle"
        checked = dry_run_of(session, "foa vejle", folder=tmp_path)
        assert checked["partner_exists"] is True and checked["partner"] == "FOA Vejle"
        assert checked["partner_municipality"] == "Vejle"

    def test_two_stored_in_other_cases_are_told_apart_by_the_exact_name(
        self, session: Session, places: tuple[int, int]
    ) -> None:
        session.add_all([Partner(name="FOA Vejle"), Partner(name="foa vejle")])  # from before
        session.flush()
        exact = partner_named(session=session, name="foa vejle")
        assert exact is not None and exact.name == "foa vejle"
        with pytest.raises(InvalidInputError, match="several partners"):
            partner_named(session=session, name="Foa Vejle")

    @settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        name=st.text(
            alphabet=st.sampled_from("abcxyzæøåéüABCXYZÆØÅÉÜ0123 -&."), min_size=1, max_size=30
        ).filter(lambda n: any(c.isalnum() for c in n)),
        flips=st.lists(st.booleans(), min_size=30, max_size=30),
    )
    def test_any_casing_finds_the_partner(
        self, session: Session, name: str, flips: list[bool]
    ) -> None:
        stored = Partner(name=" ".join(name.split()))
        session.add(stored)
        session.flush()
        typed = "".join(c.swapcase() if flip else c for c, flip in zip(name, flips, strict=False))
        found = partner_named(session=session, name=f"  {typed} ")
        session.rollback()
        assert found is not None and found.id == stored.id


# --- the doors: API and command line -----------------------------------------------------------


@dataclass
class Doors:
    client: TestClient
    national: dict[str, str]
    roskilde: dict[str, str]
    lejre: dict[str, str]
    database_url: str

    def post(self, headers: dict[str, str], **form: str) -> Any:
        files = {"file": ("m.csv", b"Navn;Mobil\r\nAnne;20123456\r\n", "text/csv")}
        return self.client.post("/api/v1/contacts/import", files=files, data=form, headers=headers)


@pytest.fixture
def doors(database_url: str) -> Iterator[Doors]:
    runtime = build_runtime(
        Settings(database_url=database_url), clock=SimulatedClock(MONDAY), migrate=False
    )
    with Session(runtime.engine) as session:
        make_world(session)  # FOA Roskilde and 3F Roskilde: Roskilde's
        session.commit()
    keys = {
        "national": make_key(runtime.engine, role=Role.COORDINATOR),
        "roskilde": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde"),
        "lejre": make_key(runtime.engine, role=Role.COORDINATOR, municipality="Lejre"),
    }
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    yield Doors(client, **{k: bearer(v) for k, v in keys.items()}, database_url=database_url)
    runtime.engine.dispose()


class TestTheApi:
    def test_a_national_key_names_the_municipality_or_says_national(self, doors: Doors) -> None:
        refused = doors.post(doors.national, partner="Dansk Metal")
        assert refused.status_code == 422 and "new partner" in refused.json()["error"]["message"]
        made = doors.post(doors.national, partner="Dansk Metal", municipality="Lejre")
        assert made.status_code == 200, made.text
        checked = doors.post(doors.national, partner="Ældre Sagen", national="true", dry_run="true")
        assert checked.json()["partner_municipality"] is None
        assert doors.post(doors.national, partner="Ældre Sagen", national="true").status_code == 200
        clash = doors.post(doors.national, partner="dansk metal", municipality="Roskilde")
        assert clash.status_code == 409 and "belongs to Lejre" in clash.json()["error"]["message"]

    def test_a_scoped_key_adds_to_its_own_partners_only(self, doors: Doors) -> None:
        assert doors.post(doors.national, partner="Ældre Sagen", national="true").status_code == 200
        national = doors.post(doors.lejre, partner="ældre sagen")
        assert national.status_code == 403 and "national" in national.json()["error"]["message"]
        assert doors.post(doors.lejre, partner="Ny", national="true").status_code == 403
        assert doors.post(doors.lejre, partner="foa roskilde").status_code == 404
        assert doors.post(doors.lejre, partner="Ny", municipality="Roskilde").status_code == 404
        own = doors.post(doors.roskilde, partner="foa roskilde")
        assert own.status_code == 200 and own.json()["updated"] == 1  # joined the list

    def test_reports_find_the_partner_in_any_case(self, doors: Doors) -> None:
        answer = doors.client.get(
            "/api/v1/reports/funnel", params={"partner": "foa roskilde"}, headers=doors.roskilde
        )
        assert answer.status_code == 200, answer.text
        unknown = doors.client.get(
            "/api/v1/reports/funnel", params={"partner": "foa roskilde"}, headers=doors.lejre
        )
        assert unknown.status_code == 404


class TestTheCommandLine:
    @pytest.fixture(autouse=True)
    def settings(self, doors: Doors, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", doors.database_url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def run(self, *args: str) -> Any:
        return CliRunner().invoke(cli, list(args))

    def test_import_takes_the_municipality_or_national(self, tmp_path: Path) -> None:
        members = tmp_path / "m.csv"
        members.write_text("Navn;Mobil\r\nAnne;20123456\r\n", encoding="utf-8")
        refused = self.run("import", str(members), "--partner", "Dansk Metal")
        assert refused.exit_code == 2 and "new partner" in refused.output
        made = self.run("import", str(members), "--partner", "Dansk Metal", "--municipality", "350")
        assert made.exit_code == 0, made.output
        national = self.run("import", str(members), "--partner", "Ældre Sagen", "--national")
        assert national.exit_code == 0, national.output
        listed = self.run("partners", "list")
        assert listed.exit_code == 0, listed.output
        lines = {
            line.split("│")[2].strip(): line for line in listed.output.splitlines() if "│" in line
        }
        assert "Lejre" in lines["Dansk Metal"] and "national" in lines["Ældre Sagen"]

    def test_partners_set_gives_a_partner_its_municipality_or_makes_it_national(
        self, doors: Doors
    ) -> None:
        made = self.run("partners", "set", "foa roskilde", "--national")
        assert made.exit_code == 0 and "FOA Roskilde is a national partner" in made.output
        back = self.run("partners", "set", "FOA Roskilde", "--municipality", "Roskilde")
        assert back.exit_code == 0 and "Roskilde's partner" in back.output
        neither = self.run("partners", "set", "FOA Roskilde")
        assert neither.exit_code == 2
        assert self.run("partners", "set", "Ukendt", "--national").exit_code == 2


class TestSetOwner:
    def test_a_partner_another_municipalitys_campaign_uses_stays_national(
        self, session: Session
    ) -> None:
        world = make_world(session)
        shared = Partner(name="Ældre Sagen")
        session.add(shared)
        session.flush()
        session.add(CampaignPartner(campaign_id=world.campaign.id or 0, partner_id=shared.id or 0))
        lejre = PartnerOwner(municipality="Lejre")
        with pytest.raises(ConflictError, match="Roskilde"):
            set_owner(session=session, name="ældre sagen", owner=lejre, actor="cli", now=NOW)
        view = set_owner(session=session, name="ældre sagen", owner=ROSKILDE, actor="cli", now=NOW)
        assert view.municipality == "Roskilde"
        everyone = {v.name for v in list_partners(session=session)}
        assert everyone == {"Ældre Sagen", "FOA Roskilde", "3F Roskilde"}
        lejre_id = _lejre(session)
        assert not list_partners(session=session, municipality_id=lejre_id), "none of Lejre's"


def _lejre(session: Session) -> int:
    return session.exec(select(col(Municipality.id)).where(col(Municipality.code) == "350")).one()
