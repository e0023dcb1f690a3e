"""Signing in with a key, the session cookie, signing out, and forms without their token."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from console.sessions import LIFETIME
from store.db import unit_of_work
from store.keys import revoke
from store.models import ApiKey, Campaign, ConsoleSession
from tests.console.support import Console, csrf_of


class TestSignIn:
    def test_a_valid_key_signs_in_and_lands_on_the_roles_first_page(self, console: Console) -> None:
        for who, home in (
            ("coordinator", "/console/campaigns"),
            ("staff", "/console/bookings"),
            ("evaluator", "/console/funnel"),
        ):
            response = console.sign_in(who)
            assert response.status_code == 303
            assert response.headers["location"] == home

    def test_the_cookie_is_http_only_strict_and_scoped_to_the_console(
        self, console: Console
    ) -> None:
        cookie = console.sign_in("coordinator").headers["set-cookie"]
        assert "recruitbot_console=" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # development: plain http on a laptop
        assert console.world.keys["coordinator"] not in cookie  # a session token, not the key

    def test_the_cookie_is_secure_in_production(self, console: Console) -> None:
        settings = console.runtime.settings
        console.runtime.settings = settings.model_copy(update={"environment": "production"})
        cookie = console.sign_in("coordinator").headers["set-cookie"]
        assert "Secure" in cookie

    def test_only_a_hash_of_the_session_token_is_stored(self, console: Console) -> None:
        console.sign_in("coordinator")
        token = console.client.cookies["recruitbot_console"]
        with unit_of_work(console.engine) as session:
            stored = session.scalars(select(ConsoleSession)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
        assert stored.expires_at - stored.created_at == LIFETIME

    def test_an_unknown_key_is_told_so_on_the_sign_in_page(self, console: Console) -> None:
        response = console.sign_in_with("rbk_not-a-key")
        assert response.status_code == 401
        assert "Nøglen kendes ikke eller er trukket tilbage" in response.text
        assert "recruitbot_console=" not in response.headers.get("set-cookie", "")

    def test_a_revoked_key_is_refused(self, console: Console) -> None:
        response = console.sign_in("revoked")
        assert response.status_code == 401
        assert "trukket tilbage" in response.text

    def test_it_goes_on_to_the_page_asked_for_and_never_off_site(self, console: Console) -> None:
        key = console.world.keys["staff"]
        page = f"/console/bookings/{console.world.awaiting[0]}/outcome"
        assert console.sign_in_with(key, next_path=page).headers["location"] == page
        for elsewhere in ("https://evil.example/", "//evil.example/console/", "/api/v1/x"):
            console.client.cookies.clear()
            response = console.sign_in_with(key, next_path=elsewhere)
            assert response.headers["location"] == "/console/bookings"

    def test_a_page_without_a_session_sends_to_sign_in_and_back(self, console: Console) -> None:
        response = console.get("/console/campaigns?done=created")
        assert response.status_code == 303
        assert response.headers["location"] == (
            "/console/sign-in?next=/console/campaigns%3Fdone%3Dcreated"
        )
        form = console.get(response.headers["location"])
        assert 'name="next" value="/console/campaigns?done=created"' in form.text

    def test_the_sign_in_form_needs_its_own_token(self, console: Console) -> None:
        console.get("/console/sign-in")
        response = console.client.post(
            "/console/sign-in",
            data={"csrf": "forged", "key": console.world.keys["coordinator"]},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "recruitbot_console=" not in response.headers.get("set-cookie", "")


class TestSession:
    def test_a_session_expires_after_its_lifetime(self, console: Console) -> None:
        console.sign_in("coordinator")
        assert console.get("/console/campaigns").status_code == 200
        console.clock.advance(LIFETIME + timedelta(seconds=1))
        assert console.get("/console/campaigns").status_code == 303

    def test_revoking_the_key_ends_its_sessions_at_once(self, console: Console) -> None:
        console.sign_in("coordinator")
        with unit_of_work(console.engine) as session:
            key_id = session.scalars(
                select(ApiKey.id).join(ConsoleSession, ConsoleSession.api_key_id == ApiKey.id)
            ).one()
            assert revoke(session=session, key_id=key_id, now=console.clock.now())
        assert console.get("/console/campaigns").status_code == 303

    def test_signing_out_ends_the_session_even_for_a_kept_cookie(self, console: Console) -> None:
        console.sign_in("evaluator")
        token = console.client.cookies["recruitbot_console"]
        page = console.get("/console/funnel")
        response = console.client.post(
            "/console/sign-out", data={"csrf": csrf_of(page.text)}, follow_redirects=False
        )
        assert response.headers["location"] == "/console/sign-in?signed_out=1"
        assert "Du er logget ud" in console.get("/console/sign-in?signed_out=1").text
        console.client.cookies.set("recruitbot_console", token, path="/console")
        assert console.get("/console/funnel").status_code == 303

    def test_signing_out_needs_the_sessions_token(self, console: Console) -> None:
        console.sign_in("coordinator")
        response = console.client.post("/console/sign-out", data={"csrf": "x"})
        assert response.status_code == 403
        assert console.get("/console/campaigns").status_code == 200

    def test_signing_in_again_clears_the_keys_finished_sessions(self, console: Console) -> None:
        console.sign_in("coordinator")
        console.clock.advance(LIFETIME * 2)
        console.sign_in("coordinator")
        with unit_of_work(console.engine) as session:
            assert session.scalar(select(func.count()).select_from(ConsoleSession)) == 1


class TestForms:
    def test_a_form_without_the_sessions_token_changes_nothing(self, console: Console) -> None:
        console.sign_in("coordinator")
        path = f"/console/campaigns/{console.world.campaign_id}/pause"
        for data in ({}, {"csrf": "forged"}):
            response = console.client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403
            assert "Formularen er udløbet" in response.text
        with unit_of_work(console.engine) as session:
            assert session.get_one(Campaign, console.world.campaign_id).status == "running"

    def test_another_sessions_token_does_not_do(self, console: Console) -> None:
        console.sign_in("coordinator")
        other = csrf_of(console.get("/console/campaigns").text)
        console.sign_in("coordinator")
        response = console.client.post(
            f"/console/campaigns/{console.world.campaign_id}/pause", data={"csrf": other}
        )
        assert response.status_code == 403

    def test_pages_are_never_cached_or_framed(self, console: Console) -> None:
        console.sign_in("staff")
        headers = console.get("/console/bookings").headers
        assert headers["cache-control"] == "no-store"
        assert headers["x-frame-options"] == "DENY"
        assert "script-src 'self'" in headers["content-security-policy"]


class TestSignInThrottle:
    """Failed sign-ins are throttled per address and per key prefix (5 a minute by default)."""

    def test_wrong_keys_from_an_address_wait_then_may_try_again(self, console: Console) -> None:
        limit = console.runtime.settings.console_sign_in_failures_per_minute
        codes = [console.sign_in_with(f"rbk_guess{n:08d}").status_code for n in range(limit)]
        assert codes == [401] * limit
        refused = console.sign_in_with("rbk_guess-more")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "For mange forsøg" in refused.text
        assert "recruitbot_console=" not in refused.headers.get("set-cookie", "")
        console.clock.advance(timedelta(seconds=int(refused.headers["Retry-After"])))
        assert console.sign_in("coordinator").status_code == 303

    def test_one_target_from_many_addresses_is_throttled(self, console: Console) -> None:
        from fastapi.testclient import TestClient

        limit = console.runtime.settings.console_sign_in_failures_per_minute
        app = console.client.app
        target = console.world.keys["coordinator"][:12] + "wrong-tail"
        codes = []
        for n in range(limit + 1):
            other = Console(
                TestClient(app, client=(f"192.0.2.{n + 1}", 50000)),
                console.runtime,
                console.world,
                console.clock,
            )
            codes.append(other.sign_in_with(target).status_code)
        assert codes == [401] * limit + [429]
        # Another key from a fresh address is not held up by that.
        fresh = Console(
            TestClient(app, client=("198.51.100.9", 50000)),
            console.runtime,
            console.world,
            console.clock,
        )
        assert fresh.sign_in_with(console.world.keys["staff"]).status_code == 303
