"""Import a partner's member list in the console: upload, see the dry run, then confirm.

The upload is checked as `outreach.contacts.dry_run` checks it (nothing stored) and shown: which
column became which field, which were ignored, the first rows as they would be stored and every
rejected row. The file waits in a private staging folder under a random name that only the
same console session can confirm; it is deleted when imported or cancelled, and after
STAGED_FOR at the latest. Confirming runs `import_members` as the API does.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from fastapi import Request, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from api.deps import ServicesDep
from console import repository
from console.auth import CoordinatorUser, DbDep, FormDep
from console.routing import console_router
from console.sessions import ConsoleUser
from console.templating import page
from core.errors import AppError, ConflictError, ForbiddenError, NotFoundError
from outreach.contacts import MemberFileError, dry_run, import_members, read_member_file
from outreach.contacts.partners import PartnerOwner
from outreach.contacts.reading import MAX_FILE_BYTES
from outreach.contacts.schemas import parse_mapping
from outreach.endpoints import CampaignServicesDep

router = console_router()

STAGED_FOR = 30 * 60  # seconds an upload waits for its confirmation
STAGING = Path(tempfile.gettempdir()) / f"recruitbot-member-uploads-{os.getuid()}"
_SUFFIXES = frozenset({".csv", ".txt", ".xlsx", ".xlsm"})
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
FIELD_LABELS = {
    "name": "Navn",
    "phone": "Mobilnummer",
    "birth_date": "Fødselsdato",
    "cpr": "CPR-nummer",
    "municipality": "Kommune",
    "workplace": "Arbejdsplads",
    "education": "Uddannelse",
    "language": "Sprog",
}

# The reader's notes on columns it leaves out, as the Danish page says them.
NOTES = {
    "not used: invitations go by municipality, not postcode": (
        "bruges ikke: invitationer går efter kommune, ikke postnummer"
    ),
    "not used: the town is not needed, the municipality is": (
        "bruges ikke: byen er ikke nødvendig, kommunen er"
    ),
    "not stored: the partner's own member number": "gemmes ikke: partnerens eget medlemsnummer",
    "not used: no one is written to but by SMS or chat": (
        "bruges ikke: vi skriver kun til folk på SMS eller chat"
    ),
}


class UploadRefusedError(Exception):
    """An upload the page cannot take; the message says why, in Danish."""


def _form_page(
    request: Request,
    *,
    session: Session,
    user: ConsoleUser,
    values: dict[str, str] | None = None,
    error: str = "",
) -> Response:
    own = user.principal.municipality_id
    partners = [
        p
        for p in repository.partners(session=session, municipality_id=own)
        # A municipality's key imports only into its own partners' lists, never a national one.
        if own is None or p.municipality_id == own
    ]
    return page(
        request,
        "import.html",
        status_code=422 if error else 200,
        active="campaigns",
        partners=partners,
        national_user=own is None,
        values=values or {},
        error=error,
        checked=None,
        report=None,
        fields=FIELD_LABELS,
        notes=NOTES,
    )


@router.get("/import")
def import_page(request: Request, user: CoordinatorUser, session: DbDep) -> Response:
    """Show the form to upload a partner's member list."""
    partner = str(request.query_params.get("partner", ""))[:200]
    return _form_page(request, session=session, user=user, values={"partner": partner})


@router.post("/import")
def check_upload(
    request: Request,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Stage the uploaded file and show what an import of it would do; nothing is stored."""
    values = _values(form)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise UploadRefusedError("Vælg en fil (CSV eller Excel).")
        token = _stage(upload, user=user)
        member_file = read_member_file(_staged(token, user=user), mapping=_mapping(values))
        checked = dry_run(
            session=session,
            member_file=member_file,
            partner_name=values["partner"],
            pseudonymizer=extra.pseudonymizer,
            today=services.clock.now().date(),
            scope_municipality_id=user.principal.municipality_id,
            owner=_owner(values, user=user),
        )
    except (UploadRefusedError, MemberFileError, AppError, ValueError) as refused:
        return _form_page(
            request, session=session, user=user, values=values, error=_danish(refused)
        )
    return page(
        request,
        "import.html",
        active="campaigns",
        partners=[],
        values={**values, "upload": token, "filename": upload.filename},
        error="",
        checked=checked.as_dict(),
        report=None,
        fields=FIELD_LABELS,
        notes=NOTES,
    )


@router.post("/import/confirm")
def confirm_import(
    request: Request,
    user: CoordinatorUser,
    form: FormDep,
    session: DbDep,
    services: ServicesDep,
    extra: CampaignServicesDep,
) -> Response:
    """Import the staged file the coordinator has seen; or drop it when they cancel."""
    values = _values(form)
    token = str(form.get("upload") or "")
    if form.get("cancel"):
        _drop(token, user=user)
        return _form_page(request, session=session, user=user, values=values)
    try:
        path = _staged(token, user=user)
        report = import_members(
            session=session,
            rows=read_member_file(path, mapping=_mapping(values)),
            partner_name=values["partner"],
            scope_municipality_id=user.principal.municipality_id,
            owner=_owner(values, user=user),
            confirm_phone_changes=form.get("confirm_phone_changes") == "yes",
            pseudonymizer=extra.pseudonymizer,
            now=services.clock.now(),
        )
    except (UploadRefusedError, MemberFileError, AppError, ValueError) as refused:
        return _form_page(
            request, session=session, user=user, values=values, error=_danish(refused)
        )
    _drop(token, user=user)
    return page(
        request,
        "import.html",
        active="campaigns",
        partners=[],
        values=values,
        error="",
        checked=None,
        report=report.as_dict(),
        fields=FIELD_LABELS,
        notes=NOTES,
    )


_FIELDS = ("partner", "mapping", "owner_municipality", "national")


def _values(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip()[:2000] for k in _FIELDS}


def _owner(values: dict[str, str], *, user: ConsoleUser) -> PartnerOwner:
    """Whose a new partner is: a national coordinator names its municipality or makes it
    national; a municipality's own coordinator's partner is always their municipality's."""
    if user.principal.municipality_id is not None:
        return PartnerOwner()
    return PartnerOwner(
        municipality=values["owner_municipality"] or None, national=values["national"] == "yes"
    )


def _mapping(values: dict[str, str]) -> dict[str, str] | None:
    return parse_mapping(values["mapping"]) if values["mapping"] else None


def _danish(refused: Exception) -> str:
    """Say why in Danish; the reader's own reason (in English, as in the API) follows."""
    if isinstance(refused, UploadRefusedError):
        return str(refused)
    if isinstance(refused, NotFoundError):
        return "Der er ingen partner med det navn i din kommune."
    if isinstance(refused, ForbiddenError):
        return (
            "Partneren er landsdækkende, og andre kommuners kampagner bruger listen. "
            "Kun en landskoordinator kan importere til den."
        )
    if isinstance(refused, ConflictError):
        return f"Partneren hører til et andet sted end det, du har valgt ({refused})."
    if str(refused) == "a partner name is required":
        return "Skriv partnerens navn."
    if isinstance(refused, AppError) and "municipality" in str(refused):
        return (
            "En ny partner skal høre til en kommune: skriv kommunen, eller vælg, "
            f"at partneren er landsdækkende ({refused})."
        )
    return f"Filen kan ikke læses: {refused}"


def _folder(token: str, *, user: ConsoleUser) -> Path:
    """The staging folder of an upload: named from the token and the session, so no other
    session can confirm it, and never a path outside STAGING."""
    if not token or len(token) > 64 or not set(token) <= _TOKEN_CHARS:
        raise UploadRefusedError("Filen er ikke længere klar. Vælg den igen.")
    name = hmac.new(user.csrf.encode(), token.encode(), hashlib.sha256).hexdigest()
    return STAGING / name


def _stage(upload: UploadFile, *, user: ConsoleUser) -> str:
    """Copy the upload to a new private folder (at most MAX_FILE_BYTES); return its token."""
    _sweep()
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in _SUFFIXES:
        raise UploadRefusedError("Vælg en CSV-fil eller en Excel-fil (.xlsx).")
    token = secrets.token_urlsafe(16)
    folder = _folder(token, user=user)
    STAGING.mkdir(mode=0o700, exist_ok=True)
    own = STAGING.lstat()
    if STAGING.is_symlink() or own.st_uid != os.getuid() or own.st_mode & 0o077:
        # Someone else's folder (or a link) in a shared temporary directory: never write there.
        raise UploadRefusedError("Filen kan ikke gemmes til bekræftelse på serveren.")
    folder.mkdir(mode=0o700)
    copied = 0
    with (folder / f"upload{suffix}").open("wb") as target:
        while chunk := upload.file.read(1024 * 1024):
            copied += len(chunk)
            if copied > MAX_FILE_BYTES:
                target.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise UploadRefusedError(
                    f"Filen er større end {MAX_FILE_BYTES // (1024 * 1024)} MiB. Del listen op."
                )
            target.write(chunk)
    return token


def _staged(token: str, *, user: ConsoleUser) -> Path:
    folder = _folder(token, user=user)
    found = sorted(folder.glob("upload.*")) if folder.is_dir() else []
    if not found:
        raise UploadRefusedError("Filen er ikke længere klar. Vælg den igen.")
    return found[0]


def _drop(token: str, *, user: ConsoleUser) -> None:
    try:
        folder = _folder(token, user=user)
    except UploadRefusedError:
        return
    shutil.rmtree(folder, ignore_errors=True)


def _sweep() -> None:
    """Delete uploads that were never confirmed nor cancelled."""
    if not STAGING.is_dir():
        return
    limit = time.time() - STAGED_FOR
    for folder in STAGING.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
