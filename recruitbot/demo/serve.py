"""`recruitbot demo --serve`: the console and the API on the demo's store, until Ctrl-C.

The app's clock carries on from the simulation's last moment at the real pace, so the demo's
bookings are in the past and its follow-ups ahead, as they were when the run stopped. No
scheduler ticks: the simulated citizens and staff stop with the simulation, and ticking would
send what is still queued (to the console channel) to people nobody plays any more, so the
figures would drift away from the run they show. A campaign launched in the console queues
its invitations, and there they stay.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import uvicorn
from sqlalchemy import select
from sqlmodel import col

from booking import directory
from booking.access import EVERYTHING
from channels.console import ConsoleChannel
from core.clock import Clock, SystemClock
from core.principal import Role
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.demo import scenario
from recruitbot.demo.run import DemoResult
from recruitbot.runtime import Runtime, build_runtime
from store.db import unit_of_work
from store.keys import create_key
from store.models import Municipality, StaffMember
from store.municipalities import resolve_municipality


class ShiftedClock:
    """A clock that starts at a given moment and then runs at the real pace."""

    def __init__(self, start: datetime, *, real: Clock | None = None) -> None:
        self._real = real or SystemClock()
        self._start, self._origin = start, self._real.now()

    def now(self) -> datetime:
        return self._start + (self._real.now() - self._origin)


@dataclass(frozen=True)
class DemoKeys:
    """One key of each role for the demo's municipality; their plain text is shown once."""

    coordinator: str
    staff: str
    staff_name: str
    evaluator: str


def bind(host: str, port: int) -> socket.socket:
    """Take the address before the simulation runs, so a busy port fails at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def address(sock: socket.socket) -> str:
    """Return the console's address for a browser on this machine."""
    host, port = sock.getsockname()[:2]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/console/"


def demo_runtime(result: DemoResult, settings: Settings) -> Runtime:
    """Wire the app on the demo's store, with its clock going on from the simulation's end."""
    assert result.finished_at is not None
    return build_runtime(
        settings.model_copy(update={"database_url": result.database_url}),
        clock=ShiftedClock(result.finished_at),
        channels={"console": ConsoleChannel()},
    )


def create_demo_keys(runtime: Runtime) -> DemoKeys:
    """Create a coordinator, a staff and an evaluator key for the demo's municipality."""
    now = runtime.clock.now()
    ref = resolve_municipality(scenario.MUNICIPALITY)
    assert ref is not None
    with unit_of_work(runtime.engine) as session:
        place = session.scalars(select(Municipality).where(col(Municipality.code) == ref.code))
        municipality_id = place.one().id
        staff = session.scalars(
            select(StaffMember)
            .where(col(StaffMember.municipality_id) == municipality_id)
            .order_by(col(StaffMember.id))
        ).first()
        assert staff is not None and staff.id is not None
        plain = {
            role: create_key(
                session=session,
                role=role,
                municipality_id=municipality_id,
                name=f"demo {role.value}",
                now=now,
            )[1]
            for role in (Role.COORDINATOR, Role.EVALUATOR)
        }
        _, _, staff_key = directory.issue_staff_key(
            session=session, scope=EVERYTHING, staff_member_id=staff.id, now=now
        )
        return DemoKeys(plain[Role.COORDINATOR], staff_key, staff.name, plain[Role.EVALUATOR])


def serve_demo(
    *, result: DemoResult, settings: Settings, sock: socket.socket, say: Callable[[str], None]
) -> None:
    """Serve the console and the API on the demo's store until interrupted."""
    runtime = demo_runtime(result, settings)
    keys = create_demo_keys(runtime)
    # Listening before the address is printed: a browser opened at once waits in the queue
    # while uvicorn starts, instead of being refused.
    sock.listen(2048)
    say(f"Console: {address(sock)}  (Ctrl-C stops it)")
    say("Sign in with one of these keys; they are shown only now (the store keeps a hash):")
    say(f"  coordinator  {keys.coordinator}")
    say(f"  staff        {keys.staff}  ({keys.staff_name})")
    say(f"  evaluator    {keys.evaluator}")
    say(
        "The console's clock goes on from the simulation's end; no scheduler runs on the "
        "demo's simulated data, so nothing more is sent."
    )
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down on Ctrl-C, then raises it again for the caller: that is us.
        say("Stopped.")
    finally:
        sock.close()
        runtime.engine.dispose()
