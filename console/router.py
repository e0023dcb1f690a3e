"""The console's pages under /console, in one router the app includes with one line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse

from console import (
    auth_pages,
    blackout_pages,
    booking_pages,
    campaign_change_pages,
    campaign_edit_pages,
    campaign_pages,
    closure_pages,
    import_pages,
    inbox_pages,
    outcome_pages,
    report_pages,
    schedule_pages,
    slot_pages,
)
from console.routing import PageNotFoundError, console_router, error_page
from console.templating import HERE, PREFIX

# Files the pages link to; served from the package, nothing from elsewhere.
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}

router = APIRouter(prefix=PREFIX, include_in_schema=False)
# The new-campaign form before /campaigns/{id}, so "new" is never read as an id.
for pages in (
    auth_pages,
    campaign_edit_pages,
    campaign_pages,
    campaign_change_pages,
    blackout_pages,
    report_pages,
    slot_pages,
    booking_pages,
    outcome_pages,
    inbox_pages,
    closure_pages,
    import_pages,
    schedule_pages,
):
    router.include_router(pages.router)

_files = console_router()


@_files.get("/static/{name}")
def static_file(name: Annotated[str, Path(max_length=40)]) -> Response:
    """Serve the stylesheet and the script."""
    if name not in STATIC:
        raise PageNotFoundError("Filen findes ikke.")
    return FileResponse(
        HERE / "static" / name,
        media_type=STATIC[name],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@_files.api_route("/{rest:path}", methods=["GET", "POST"])
def not_found(request: Request, rest: str) -> Response:
    """Answer any other address under /console with the console's own 404 page."""
    return error_page(request, status_code=404)


router.include_router(_files)
