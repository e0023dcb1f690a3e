"""`python -m bench [--quick] [--only ROW] [--backend sqlite|postgresql] [--size ROW=N]
[--workers N]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from bench.runner import ROWS, Sizes, render, run_all, write_json


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 1 if a measurement failed (a missed target is not a failure)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a fast check")
    parser.add_argument("--only", action="append", choices=ROWS, help="measure only these rows")
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgresql"), help="default: both"
    )
    parser.add_argument("--size", action="append", default=[], help="ROW=N, e.g. send=10000")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API worker processes for the webhook and reply rows (recruitbot serve --workers)",
    )
    parser.add_argument("--out", type=Path, default=Path("var/bench.json"))
    args = parser.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes()
    overrides = dict(item.split("=", 1) for item in args.size)
    sizes = sizes.with_overrides({k: int(v) for k, v in overrides.items()})
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    sizes = sizes.with_overrides({"workers": args.workers})
    # The service logs every message it handles; here they would drown the table.
    os.environ.setdefault("RECRUITBOT_LOG_LEVEL", "WARNING")
    from recruitbot.logs import configure_logging

    configure_logging(level=os.environ["RECRUITBOT_LOG_LEVEL"])
    # A table this wide needs room: a pipe or a log file gets 160 columns, not 80.
    console = Console(width=None if sys.stdout.isatty() else 160)
    run = run_all(
        sizes=sizes,
        quick=args.quick,
        rows=args.only or ROWS,
        backends=args.backend or ["sqlite", "postgresql"],
        console=console,
    )
    render(run, console=console)
    write_json(run, args.out)
    console.print(f"Written to {args.out}")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
