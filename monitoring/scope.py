"""A report filter as SQL conditions on the rows each report counts.

A filter by partner counts the citizens credited to that partner (store.partners): in a
campaign of several partners, each citizen once, under the partner whose list they were
invited through, never everyone under the campaign's first partner.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlmodel import col

from monitoring.filters import ReportFilter
from store.models import (
    Campaign,
    CampaignPartner,
    Conversation,
    Location,
    MonitoringRecord,
    Municipality,
    Slot,
)
from store.partners import conversation_partner


def campaign_ids(report_filter: ReportFilter) -> ColumnElement[bool] | None:
    """Return `Conversation.campaign_id IN (…)` for a filter by municipality."""
    if report_filter.municipality_code is None:
        return None
    chosen = (
        select(col(Campaign.id))
        .join(Municipality, col(Municipality.id) == col(Campaign.municipality_id))
        .where(col(Municipality.code) == report_filter.municipality_code)
    )
    return col(Conversation.campaign_id).in_(chosen)


def with_partner(partner_id: int) -> ColumnElement[bool]:
    """Return the condition that a conversation's citizen is credited to this partner.

    Only campaigns with the partner among theirs can credit it; the rest is the rule in
    store.partners, read from the invitation.
    """
    of_the_partner = col(Conversation.campaign_id).in_(
        select(col(Campaign.id)).where(_has_partner(partner_id))
    )
    return and_(of_the_partner, conversation_partner() == partner_id)


def conversations(
    report_filter: ReportFilter, *, with_period: bool = True
) -> list[ColumnElement[bool]]:
    """Return the conditions on `Conversation` that put it in the report's cohort."""
    conditions: list[ColumnElement[bool]] = []
    if report_filter.campaign_id is not None:
        conditions.append(col(Conversation.campaign_id) == report_filter.campaign_id)
    if report_filter.channel is not None:
        conditions.append(col(Conversation.channel) == report_filter.channel)
    by_campaign = campaign_ids(report_filter)
    if by_campaign is not None:
        conditions.append(by_campaign)
    if report_filter.partner_id is not None:
        conditions.append(with_partner(report_filter.partner_id))
    start, end = report_filter.utc_bounds()
    if with_period and start is not None:
        conditions.append(col(Conversation.created_at) >= start)
    if with_period and end is not None:
        conditions.append(col(Conversation.created_at) < end)
    return conditions


def slots(report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    """Return the conditions on `Slot` for the slots a report's utilisation counts.

    A slot belongs to no campaign, so the slots counted are those at the locations of the
    municipalities whose campaigns the filter picks, starting in the period.
    """
    conditions: list[ColumnElement[bool]] = []
    picks = [
        condition
        for value, condition in (
            (report_filter.campaign_id, col(Campaign.id) == report_filter.campaign_id),
            (report_filter.partner_id, _has_partner(report_filter.partner_id or 0)),
            (report_filter.channel, col(Campaign.channel) == report_filter.channel),
        )
        if value is not None
    ]
    if picks:
        chosen = select(col(Campaign.municipality_id)).where(*picks)
        conditions.append(_at_locations_in(col(Location.municipality_id).in_(chosen)))
    if report_filter.municipality_code is not None:
        place = select(col(Municipality.id)).where(
            col(Municipality.code) == report_filter.municipality_code
        )
        conditions.append(_at_locations_in(col(Location.municipality_id).in_(place)))
    start, end = report_filter.utc_bounds()
    if start is not None:
        conditions.append(col(Slot.starts_at) >= start)
    if end is not None:
        conditions.append(col(Slot.starts_at) < end)
    return conditions


def _has_partner(partner_id: int) -> ColumnElement[bool]:
    """Return the condition that a campaign has this partner among its partners."""
    linked = select(col(CampaignPartner.campaign_id)).where(
        col(CampaignPartner.partner_id) == partner_id
    )
    return or_(col(Campaign.id).in_(linked), col(Campaign.partner_id) == partner_id)


def _at_locations_in(municipality: ColumnElement[bool]) -> ColumnElement[bool]:
    """Return `Slot.location_id IN (locations that meet the condition)`."""
    return col(Slot.location_id).in_(select(col(Location.id)).where(municipality))


def records(report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    """Return the conditions on `MonitoringRecord`; the period is the health check's date."""
    record = MonitoringRecord
    conditions: list[ColumnElement[bool]] = []
    if report_filter.campaign_id is not None:
        conditions.append(col(record.campaign_id) == report_filter.campaign_id)
    if report_filter.partner_id is not None:
        conditions.append(col(record.partner_id) == report_filter.partner_id)
    if report_filter.channel is not None:
        conditions.append(col(record.channel) == report_filter.channel)
    if report_filter.municipality_code is not None:
        conditions.append(col(record.municipality_code) == report_filter.municipality_code)
    if report_filter.period_from is not None:
        conditions.append(col(record.health_check_date) >= report_filter.period_from)
    if report_filter.period_to is not None:
        conditions.append(col(record.health_check_date) <= report_filter.period_to)
    return conditions
