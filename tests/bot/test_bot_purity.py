"""The engine stays pure: no database, no SDK, no clock.

What `bot/` may import is the layer contract's to say (`make layers`: bot imports only core and
no database, web or provider library). These tests keep what a contract cannot see: no clock
is read and nothing random, and importing the dialogue loads nothing forbidden indirectly.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bot

BOT = Path(bot.__file__).parent
# All of bot/ is the pure dialogue: the shell that runs it on stored rows is conversation/.
PURE = [*sorted(BOT.glob("*.py")), *sorted((BOT / "flows").glob("*.py"))]
FORBIDDEN = (
    "sqlalchemy",
    "sqlmodel",
    "store",
    "twilio",
    "telegram",
    "booking",
    "channels",
    "outreach",
    "scheduler",
    "webhooks",
    "conversation",
    "delivery",
    "fastapi",
    "httpx",
)
PURE_MODULES = [f"bot.{path.stem}" for path in PURE if path.parent == BOT] + [
    f"bot.flows.{path.stem}" for path in sorted((BOT / "flows").glob("*.py"))
]
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


class TestPurity:
    def test_no_forbidden_imports_in_the_source(self) -> None:
        for path in PURE:
            for name in _imports(path):
                assert name.split(".")[0] not in FORBIDDEN, (path.name, name)
                assert name.split(".")[0] not in {"random", "time", "secrets"}, name

    def test_importing_loads_nothing_forbidden(self) -> None:
        code = (
            "import sys\n"
            f"for name in {PURE_MODULES!r}: __import__(name)\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
            "print(','.join(bad))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == ""

    def test_no_clock_is_read(self) -> None:
        for path in PURE:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    assert node.func.attr not in CLOCK_CALLS, (path.name, node.func.attr)
