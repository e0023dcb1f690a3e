"""Claim and send `limit` due reminders in a fresh process; print its peak RSS as JSON.

`python -m bench.reminder_rss URL LIMIT`: the loop the ticker runs, stopped after LIMIT rows, so
two databases with different numbers of scheduled rows are compared on the same work.
"""

from __future__ import annotations

import json
import resource
import sys

from bench.channel import DiscardingChannel
from bench.fixtures import NOW
from conversation.jobs import process_reminders
from conversation.service import Dialogue
from core.calendar import SendWindow
from delivery.sender import send_batch
from store.db import make_engine, unit_of_work

BATCH = 200


def main() -> None:
    """Handle LIMIT reminders in batches, sending after each; report peak memory."""
    url, limit = sys.argv[1], int(sys.argv[2])
    engine = make_engine(url)
    dialogue = Dialogue(window=SendWindow())
    channels = {"console": DiscardingChannel()}
    handled = 0
    while handled < limit:
        with unit_of_work(engine) as session:
            claimed = process_reminders(
                session=session, dialogue=dialogue, now=NOW, limit=min(BATCH, limit - handled)
            )
        handled += claimed
        while send_batch(
            engine=engine, channels=channels, window=dialogue.window, now=NOW, limit=BATCH
        ).sent:
            pass
        if claimed == 0:
            break
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"handled": handled, "peak_rss_mib": round(peak_kib / 1024, 1)}))


if __name__ == "__main__":
    main()
