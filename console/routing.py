"""Console routes answer in HTML: errors become Danish pages, a missing sign-in a redirect.

The admin API renders its errors as JSON with one app-wide handler. The console's routes use
`ConsoleRoute` instead, which catches the same error tree around each page, rolls the request's
unit of work back, and renders a page. Nothing a page does is kept when it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from console.templating import PREFIX, SECURITY_HEADERS, page
from core.errors import AppError

log = structlog.get_logger(__name__)

HEADLINES = {
    400: "Det kunne ikke lade sig gøre",
    403: "Ingen adgang",
    404: "Siden findes ikke",
    409: "Det kunne ikke lade sig gøre",
    422: "Det kunne ikke lade sig gøre",
    500: "Der skete en fejl",
}
EXPLANATIONS = {
    400: "Oplysningerne kan ikke bruges, som de er.",
    403: "Din nøgle giver ikke adgang til dette.",
    404: "Det, du leder efter, findes ikke, eller det hører til en anden kommune end din nøgles.",
    409: "Det passer ikke med, hvordan tingene står nu: måske har en anden lige ændret det. "
    "Genindlæs siden, og prøv igen.",
    422: "Oplysningerne kan ikke bruges, som de er.",
    500: "Noget gik galt hos os. Prøv igen om lidt, og kontakt den, der driver systemet, hvis "
    "det sker igen.",
}


class ConsoleError(AppError):
    """An expected condition the console words itself, in Danish."""


class FormExpiredError(ConsoleError):
    status_code = 403
    code = "form_expired"

    def __init__(self) -> None:
        super().__init__(
            "Formularen er udløbet eller kom ikke fra konsollen. Gå tilbage, genindlæs siden, "
            "og prøv igen."
        )


class NotConfirmedError(ConsoleError):
    """A box that says "yes, I mean it" was left unticked."""

    status_code = 400
    code = "not_confirmed"


class PageNotFoundError(ConsoleError):
    status_code = 404
    code = "not_found"


class SignInRequiredError(Exception):
    """Nobody is signed in; after signing in, go on to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def sign_in_url(next_path: str | None = None) -> str:
    """Return the sign-in page's address, with where to go afterwards."""
    target = f"{PREFIX}/sign-in"
    return f"{target}?next={quote(next_path, safe='/')}" if next_path else target


def see_other(path: str) -> RedirectResponse:
    """Send the browser on to a page after a form (Post/Redirect/Get)."""
    return RedirectResponse(path, status_code=303, headers=SECURITY_HEADERS)


def error_page(request: Request, *, status_code: int, error: AppError | None = None) -> Response:
    """Render an error as a page: the console's own message, or a Danish one by status."""
    status = status_code if status_code in HEADLINES else 400
    own = isinstance(error, ConsoleError)
    detail = error.message if error is not None and not own else None
    return page(
        request,
        "error.html",
        status_code=status_code,
        headline=HEADLINES[status],
        message=error.message if own and error is not None else EXPLANATIONS[status],
        detail=detail,
    )


async def _rollback(request: Request) -> None:
    session = getattr(request.state, "console_db", None)
    if session is not None:
        await run_in_threadpool(session.rollback)


class ConsoleRoute(APIRoute):
    """A route whose failures are pages, and whose failed work is rolled back."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequiredError as needed:
                await _rollback(request)
                return see_other(sign_in_url(needed.next_path))
            except AppError as error:
                await _rollback(request)
                return error_page(request, status_code=error.status_code, error=error)
            except RequestValidationError:
                await _rollback(request)
                return error_page(request, status_code=404)
            except Exception:
                log.exception("console.unexpected_error", path=request.url.path)
                await _rollback(request)
                return error_page(request, status_code=500)

        return guarded


def console_router() -> APIRouter:
    """Return a router for console pages: HTML errors, and no place in the API's OpenAPI."""
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)
