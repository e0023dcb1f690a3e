"""A bare FastAPI endpoint at the inbound-SMS path, served exactly as `recruitbot serve` does.

`python -m bench.bare_app --port P [--workers N]`: no signature check, no database, empty TwiML
back.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI, Request, Response

app = FastAPI()
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@app.post("/webhooks/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    """Read the body and answer with nothing to do."""
    await request.body()
    return Response(content=TWIML, media_type="text/xml")


def main() -> None:
    """Serve on 127.0.0.1 with uvicorn's defaults, as `recruitbot serve` does."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.workers == 1:
        uvicorn.run(app, host="127.0.0.1", port=args.port)
    else:  # as `recruitbot serve --workers N`: uvicorn imports the app in each process
        uvicorn.run(
            "bench.bare_app:app",
            host="127.0.0.1",
            port=args.port,
            workers=args.workers,
            timeout_worker_healthcheck=60,  # as recruitbot serve: a loaded machine starts slowly
        )


if __name__ == "__main__":
    main()
