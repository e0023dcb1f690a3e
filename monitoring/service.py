"""Turn what a person asked for (names, codes, dates) into a report filter within their scope.

A key limited to a municipality sees that municipality's figures only: its filter is forced to
the municipality, and a campaign, partner or municipality of another is "not found", the same
answer as for one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.errors import InvalidInputError, NotFoundError
from monitoring import repository
from monitoring.filters import FilterError, ReportFilter
from store.municipalities import resolve_municipality


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportQuery:
    """A report's filter as the CLI and the API take it."""

    campaign: int | None = None
    partner: str | None = None  # the partner's name
    channel: str | None = None
    municipality: str | None = None  # name or code
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True, slots=True)
class _Scope:
    """The municipality a key is limited to, by id and code; both None for all."""

    municipality_id: int | None
    code: str | None


def resolve_filter(
    *, session: Session, query: ReportQuery, scope_municipality_id: int | None, tz: ZoneInfo
) -> ReportFilter:
    """Return the filter for a query, forced into the key's municipality if it has one."""
    scope = _scope(session=session, municipality_id=scope_municipality_id)
    if query.campaign is not None:
        _check_campaign(session=session, campaign_id=query.campaign, scope=scope)
    partner_id = None
    if query.partner is not None:
        partner_id = _partner_id(session=session, name=query.partner, scope=scope)
    try:
        return ReportFilter(
            campaign_id=query.campaign,
            partner_id=partner_id,
            partner_name=query.partner,
            channel=query.channel,
            municipality_code=_municipality_code(query.municipality, scope=scope),
            period_from=query.period_from,
            period_to=query.period_to,
            tz=tz,
        )
    except FilterError as error:
        raise InvalidInputError(str(error)) from error


def _scope(*, session: Session, municipality_id: int | None) -> _Scope:
    """Look up the code of the municipality a key is limited to."""
    if municipality_id is None:
        return _Scope(None, None)
    code = repository.municipality_code(session=session, municipality_id=municipality_id)
    if code is None:
        raise NotFoundError("the key's municipality no longer exists")
    return _Scope(municipality_id, code)


def _check_campaign(*, session: Session, campaign_id: int, scope: _Scope) -> None:
    """Refuse a campaign that does not exist or that another municipality runs."""
    owner = repository.campaign_municipality(session=session, campaign_id=campaign_id)
    if owner is None or (scope.municipality_id is not None and owner != scope.municipality_id):
        raise NotFoundError(f"no campaign {campaign_id}")


def _partner_id(*, session: Session, name: str, scope: _Scope) -> int:
    """Return a partner's id by name, refusing one tied to another municipality."""
    partner = repository.partner_by_name(session=session, name=name)
    if partner is None or partner.id is None:
        raise NotFoundError(f"no partner named {name!r}")
    if scope.municipality_id is not None and partner.municipality_id not in (
        None,
        scope.municipality_id,
    ):
        raise NotFoundError(f"no partner named {name!r}")
    return partner.id


def _municipality_code(text: str | None, *, scope: _Scope) -> str | None:
    """Return the code of the asked municipality; a scoped key gets its own, and only it."""
    if text is None:
        return scope.code
    ref = resolve_municipality(text)
    if ref is None:
        raise InvalidInputError(f"{text!r} is not a Danish municipality")
    if scope.code is not None and ref.code != scope.code:
        raise NotFoundError(f"no figures for {ref.name} with this key")
    return ref.code
