"""Serve the tests' spec-checked fake of Twilio's API in a process of its own.

`python -m bench.twilio_fake [--no-contract] [--arrivals]` prints its base URL, serves until stdin
closes, then prints one JSON line: requests served, contract violations, its own CPU seconds,
and with `--arrivals` when each message's create request came in, by its `To`. In its own
process the fake's work is not counted as the sender's CPU time.
"""

from __future__ import annotations

import json
import resource
import sys
import threading

from tests.fakes.twilio_api import TwilioApiFake, _Handler, _Server
from tests.fakes.twilio_contract import TwilioContract


def main() -> None:
    """Serve until stdin closes; report on stdout."""
    contract = None if "--no-contract" in sys.argv else TwilioContract.load()
    fake = TwilioApiFake(contract=contract)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    sys.stdin.read()
    server.shutdown()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {
        "requests": len(fake.requests),
        "created": len(fake.messages),
        "violations": fake.violations[:5],
        "contract": contract is not None,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }
    if "--arrivals" in sys.argv:
        report["arrivals"] = [
            [request.form.get("To", [""])[0], request.at]
            for request in fake.requests
            if request.method == "POST" and request.path.endswith("/Messages.json")
        ]
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
