"""`store.bulk.among`: an IN list, or one array parameter on PostgreSQL, with the same answer."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from store.bulk import among
from store.models import Contact
from tests.factories import add_contact, make_world


@pytest.mark.parametrize(
    "wanted",
    [[], ["+4520000001"], ["+4520000001", "+4520000003", "+4599999999"], ["'; --", "+45"]],
)
def test_among_finds_what_in_finds(session: Session, wanted: list[str]) -> None:
    world = make_world(session)
    stored = {f"+452000000{n}" for n in range(1, 5)}
    for phone in sorted(stored):
        add_contact(session, world, phone=phone)
    session.flush()
    found = session.exec(
        select(col(Contact.phone)).where(among(session, col(Contact.phone), wanted))
    ).all()
    expected = session.exec(select(col(Contact.phone)).where(col(Contact.phone).in_(wanted))).all()
    assert sorted(found) == sorted(expected) == sorted(set(wanted) & stored)


def test_among_a_nullable_column_never_matches_null(session: Session) -> None:
    world = make_world(session)
    add_contact(session, world, phone="+4520000001")
    session.flush()
    statement = select(col(Contact.id)).where(among(session, col(Contact.cpr_hash), ["x", "y"]))
    assert session.exec(statement).all() == []


ODD = ['a"b', "c\\d", '\\"', "{x}", "e,f", " g ", "", "NULL", "æ ø", "h}", "{"]


@pytest.mark.parametrize("wanted", [ODD, ODD[:1], ODD[1:2], ["{x}", "zz"], ["NULL"], [""]])
def test_among_takes_any_text(session: Session, wanted: list[str]) -> None:
    world = make_world(session)
    for n, odd in enumerate(ODD):
        add_contact(session, world, phone=odd or f"empty {n}")
    session.flush()
    found = session.exec(
        select(col(Contact.phone)).where(among(session, col(Contact.phone), wanted))
    ).all()
    assert sorted(found) == sorted(set(wanted) & {odd for odd in ODD if odd})
