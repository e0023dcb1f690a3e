"""`recruitbot serve` believes X-Forwarded-For only from proxies named in the settings."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from core.settings import Settings
from recruitbot.cli.worker import proxy_options


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def whoami(request: Request) -> str:
        return request.client.host if request.client else ""

    return app


class TestTrustedProxies:
    def test_off_by_default(self) -> None:
        assert Settings().trusted_proxies == ""
        options = proxy_options(Settings().trusted_proxies)
        assert options == {"proxy_headers": False}
        config = uvicorn.Config(_app(), **options)  # type: ignore[arg-type]
        config.load()
        assert not isinstance(config.loaded_app, ProxyHeadersMiddleware)

    def test_named_proxies_only(self) -> None:
        options = proxy_options(" 10.0.0.5 , 192.168.1.0/24,")
        assert options == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,192.168.1.0/24"}
        config = uvicorn.Config(_app(), **options)  # type: ignore[arg-type]
        config.load()
        assert isinstance(config.loaded_app, ProxyHeadersMiddleware)
