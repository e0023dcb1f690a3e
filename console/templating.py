"""Rendering pages: the Jinja2 templates, their Danish filters, navigation and safe headers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import COORDINATOR_ROLES, EVALUATOR_ROLES, STAFF_ROLES
from console import formatting, labels
from console.sessions import ConsoleUser
from core.principal import Role

PREFIX = "/console"
HERE = Path(__file__).parent

# Pages hold names and phone numbers: never cached, never framed, scripts only from here.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation, shown only to the roles that may open it."""

    name: str
    label: str
    path: str
    roles: tuple[Role, ...]


NAV = (
    NavItem("campaigns", "Kampagner", f"{PREFIX}/campaigns", COORDINATOR_ROLES),
    NavItem("schedule", "Plan", f"{PREFIX}/schedule", COORDINATOR_ROLES),
    NavItem("funnel", "Rekruttering", f"{PREFIX}/funnel", EVALUATOR_ROLES),
    NavItem("bookings", "Bookinger", f"{PREFIX}/bookings", STAFF_ROLES),
    NavItem("inbox", "Indbakke", f"{PREFIX}/inbox", STAFF_ROLES),
    NavItem("slots", "Tider", f"{PREFIX}/slots", STAFF_ROLES),
    NavItem("closures", "Fravær", f"{PREFIX}/closures", STAFF_ROLES),
    NavItem("tables", "Evaluering", f"{PREFIX}/tables", EVALUATOR_ROLES),
)


def nav_for(user: ConsoleUser | None) -> list[NavItem]:
    """Return the navigation entries a user's role may use."""
    if user is None:
        return []
    return [item for item in NAV if user.role in item.roles]


def home_of(user: ConsoleUser) -> str:
    """Return where a user lands after signing in: the first page their role may use."""
    return nav_for(user)[0].path


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=formatting.number,
        percent=formatting.percent,
        hours=formatting.hours,
        money=formatting.money,
        day=formatting.day,
        long_day=formatting.long_day,
        clock=formatting.clock,
        when=formatting.when,
    )
    env.globals.update(base=PREFIX, labels=labels, dash=formatting.NONE)
    return env


templates = Jinja2Templates(env=_environment())


def page(
    request: Request, template: str, *, status_code: int = 200, active: str = "", **context: Any
) -> HTMLResponse:
    """Render a page for whoever is signed in (if anyone), with the console's headers."""
    user: ConsoleUser | None = getattr(request.state, "console_user", None)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "nav": nav_for(user),
            "active": active,
            "inbox_open": getattr(request.state, "inbox_open", None),
            **context,
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    return response
