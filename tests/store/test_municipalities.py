"""The municipality table and its resolver."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from store.models import Municipality
from store.municipalities import (
    MunicipalityRef,
    all_municipalities,
    ensure_municipality,
    resolve_municipality,
)


class TestTable:
    def test_has_the_98_municipalities(self) -> None:
        assert len(all_municipalities()) == 98

    def test_codes_and_names_are_unique(self) -> None:
        refs = all_municipalities()
        assert len({r.code for r in refs}) == 98
        assert len({r.name for r in refs}) == 98

    def test_codes_are_three_digits(self) -> None:
        assert all(len(r.code) == 3 and r.code.isdigit() for r in all_municipalities())

    @pytest.mark.parametrize(
        ("code", "name"),
        [
            ("101", "København"),
            ("147", "Frederiksberg"),
            ("265", "Roskilde"),
            ("400", "Bornholm"),
            ("461", "Odense"),
            ("540", "Sønderborg"),
            ("706", "Syddjurs"),
            ("751", "Aarhus"),
            ("851", "Aalborg"),
            ("860", "Hjørring"),
        ],
    )
    def test_known_codes(self, code: str, name: str) -> None:
        assert MunicipalityRef(code=code, name=name) in all_municipalities()

    def test_christianso_is_not_a_municipality(self) -> None:
        assert resolve_municipality("411") is None
        assert resolve_municipality("Christiansø") is None

    def test_every_name_resolves_to_itself(self) -> None:
        for ref in all_municipalities():
            assert resolve_municipality(ref.name) == ref
            assert resolve_municipality(f"{ref.name} Kommune") == ref
            assert resolve_municipality(ref.code) == ref


class TestResolveMunicipality:
    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("Roskilde", "265"),
            ("Roskilde Kommune", "265"),
            ("ROSKILDE kommune", "265"),
            ("  roskilde  ", "265"),
            ("265", "265"),
            ("0265", "265"),
            ("Københavns Kommune", "101"),
            ("københavn", "101"),
            ("Aarhus", "751"),
            ("Århus", "751"),
            ("Århus Kommune", "751"),
            ("Aabenraa", "580"),
            ("Åbenrå", "580"),
            ("Høje Taastrup", "169"),
            ("Lyngby-Taarbæk Kommune", "173"),
            ("Bornholms Regionskommune", "400"),
            ("Nordfyns Kommune", "480"),
            ("Nordfyn", "480"),
            ("Vesthimmerlands Kommune", "820"),
            ("Greve Kommune", "253"),
        ],
    )
    def test_names_codes_and_aliases(self, text: str, code: str) -> None:
        ref = resolve_municipality(text)
        assert ref is not None
        assert ref.code == code

    @pytest.mark.parametrize("text", ["Narnia", "", "   ", "Kommune", "999", "12", "Roskilde Amt"])
    def test_unknown_is_none(self, text: str) -> None:
        assert resolve_municipality(text) is None

    @given(st.text())
    def test_never_raises(self, text: str) -> None:
        result = resolve_municipality(text)
        assert result is None or result in all_municipalities()

    @given(st.sampled_from(all_municipalities()), st.sampled_from(["", " Kommune", " KOMMUNE"]))
    def test_case_and_suffix_do_not_matter(self, ref: MunicipalityRef, suffix: str) -> None:
        assert resolve_municipality(ref.name.upper() + suffix) == ref
        assert resolve_municipality(ref.name.lower() + suffix) == ref


class TestEnsureMunicipality:
    def test_creates_the_row_once(self, session: Session) -> None:
        ref = MunicipalityRef(code="265", name="Roskilde")
        first = ensure_municipality(session=session, ref=ref)
        second = ensure_municipality(session=session, ref=ref)
        assert first.id is not None
        assert first.id == second.id
        count = session.exec(select(func.count()).select_from(Municipality)).one()
        assert count == 1

    def test_finds_an_existing_row(self, session: Session) -> None:
        session.add(Municipality(code="751", name="Aarhus"))
        session.commit()
        found = ensure_municipality(session=session, ref=MunicipalityRef(code="751", name="Aarhus"))
        assert found.name == "Aarhus"
