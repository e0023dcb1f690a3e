"""The municipal offers citizens are referred to; each municipality keeps its own list.

A municipality starts with the offers the national evaluation names, the first time its list is
used, and adds its own. Outcomes refer to offers by code, so reports stay comparable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.errors import ConflictError, InvalidInputError
from store.models import MunicipalOffer

DEFAULT_OFFERS: tuple[tuple[str, str], ...] = (
    ("rygestop", "Rygestop"),
    ("alkohol", "Alkohol"),
    ("livsstilshold", "Livsstilshold"),
    ("individuel_vejledning", "Individuel vejledning"),
    ("motion", "Motion"),
    ("kost", "Kost"),
    ("mental_sundhed", "Mental sundhed"),
    ("traening_bevaegeapparat", "Træning af muskler og led"),
)
_CODE = re.compile(r"[a-z0-9_]{2,40}")


def ensure_defaults(*, session: Session, municipality_id: int) -> None:
    """Give a municipality the default offers the first time its list is used."""
    count = session.scalar(
        select(func.count())
        .select_from(MunicipalOffer)
        .where(col(MunicipalOffer.municipality_id) == municipality_id)
    )
    if count:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [{"municipality_id": municipality_id, "code": c, "name": n} for c, n in DEFAULT_OFFERS]
    # Two first uses at the same moment: the second finds the rows there and adds nothing.
    session.execute(
        insert(MunicipalOffer)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["municipality_id", "code"])
    )


def list_offers(*, session: Session, municipality_id: int) -> Sequence[MunicipalOffer]:
    """Return a municipality's offers, in the order they were added."""
    ensure_defaults(session=session, municipality_id=municipality_id)
    return session.scalars(
        select(MunicipalOffer)
        .where(col(MunicipalOffer.municipality_id) == municipality_id)
        .order_by(col(MunicipalOffer.id))
    ).all()


def add_offer(*, session: Session, municipality_id: int, code: str, name: str) -> MunicipalOffer:
    """Add an offer to a municipality's list; its code must be new there."""
    code = code.strip().lower()
    if not _CODE.fullmatch(code):
        raise InvalidInputError("an offer code is 2-40 of a-z, 0-9 and _, e.g. svoemmehold")
    if not name.strip():
        raise InvalidInputError("an offer needs a name")
    ensure_defaults(session=session, municipality_id=municipality_id)
    offer = MunicipalOffer(municipality_id=municipality_id, code=code, name=name.strip())
    try:
        with session.begin_nested():
            session.add(offer)
            session.flush()
    except IntegrityError as error:
        raise ConflictError(f"the municipality has an offer with the code {code!r}") from error
    return offer


def unknown_codes(*, session: Session, municipality_id: int, codes: Iterable[str]) -> list[str]:
    """Return the codes that are not on the municipality's list, in the order given."""
    known = {offer.code for offer in list_offers(session=session, municipality_id=municipality_id)}
    return [code for code in codes if code not in known]
