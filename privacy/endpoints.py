"""A citizen's rights through the API: /api/v1/citizens/{public_id}/export and its erasure.

Coordinators only. A key limited to a municipality sees the citizens who live there or are in
one of its campaigns; any other citizen does not exist for it (404). Of a citizen another
municipality also holds, it exports and erases only what it processed (privacy.scope); a
national key acts on the whole person.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from api.deps import CoordinatorDep, ServicesDep, SessionDep
from api.routing import secured_router
from core.pseudonyms import Pseudonymizer
from privacy import erasing, service
from privacy.erasure import purge_freed_space
from privacy.schemas import CitizenExport, ErasurePublic, PublicId
from store import audit

log = structlog.get_logger(__name__)
router = secured_router(prefix="/citizens", tags=["citizens"])
EXPORT_PATH = "GET /api/v1/citizens/{public_id}/export"


def get_pseudonymizer(request: Request) -> Pseudonymizer:
    """Take the keyed pseudonyms from the app's runtime (the suppression key needs them)."""
    pseudonymizer: Pseudonymizer = request.app.state.runtime.pseudonymizer
    return pseudonymizer


PseudonymizerDep = Annotated[Pseudonymizer, Depends(get_pseudonymizer)]


@router.get("/{public_id}/export")
def export_citizen(
    public_id: PublicId, session: SessionDep, principal: CoordinatorDep, services: ServicesDep
) -> CitizenExport:
    """Return everything held about a citizen and who has looked at it; never the CPR number.

    The export itself is logged first, so it appears in its own access log.
    """
    contact = service.find_citizen(
        session=session, public_id=public_id, municipality_id=principal.municipality_id
    )
    return service.export_citizen(
        session=session,
        contact=contact,
        actor=audit.actor_of(principal),
        now=services.clock.now(),
        detail=EXPORT_PATH,
        municipality_id=principal.municipality_id,
    )


@router.delete("/{public_id}")
def erase_citizen(
    public_id: PublicId,
    session: SessionDep,
    principal: CoordinatorDep,
    services: ServicesDep,
    pseudonymizer: PseudonymizerDep,
) -> ErasurePublic:
    """Erase a citizen on request: every row about them, in one transaction, for good.

    The monitoring record of a health check stays, cut loose from the person, so the evaluation's
    tables still add up. The number stays on the suppression list as a keyed hash: a re-imported
    list never invites the person again. A municipality's key erases only its own part of a
    citizen another municipality holds (`held_elsewhere` in the answer).
    """
    contact = service.find_citizen(
        session=session, public_id=public_id, municipality_id=principal.municipality_id
    )
    result = erasing.erase_citizen(
        session=session,
        contact=contact,
        phone=None,
        pseudonymizer=pseudonymizer,
        actor=audit.actor_of(principal),
        now=services.clock.now(),
        municipality_id=principal.municipality_id,
    )
    # The erasure is this request's whole unit of work; it is committed here so that SQLite's
    # log can then be emptied of the deleted rows' old pages.
    session.commit()
    purge_freed_space(services.engine)
    log.info("privacy.erased", reason="request", rows=sum(result.deleted.values()))
    return result
