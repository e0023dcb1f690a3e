"""The campaign slice's expected conditions; the API renders each as a 4xx, the CLI prints it."""

from __future__ import annotations

from core.errors import ConflictError, InvalidInputError, NotFoundError


class CampaignNotFoundError(NotFoundError):
    """No such campaign, or not one the caller may see."""


class CampaignInputError(InvalidInputError):
    """The campaign as given cannot be used: unknown partner, refused template, …"""


class CampaignStateError(ConflictError):
    """The campaign's status does not allow this (launching a running campaign, …)."""
