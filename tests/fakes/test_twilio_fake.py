"""The fake of Twilio's API itself: it must catch requests that break the contract."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

import httpx
import pytest

from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CONTRACT_BROKEN,
    TwilioApiFake,
    TwilioError,
    running_fake,
)
from tests.fakes.twilio_contract import MISSING_SPEC, SPEC_PATH, TwilioContract, own_rules

GOOD = {
    "To": "+4520123456",
    "From": "+4570203040",
    "Body": "Hej",
    "StatusCallback": "https://recruitbot.example.dk/webhooks/twilio/status?message_id=1",
    "ValidityPeriod": "14400",
}
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.fixture
def fake() -> Iterator[TwilioApiFake]:
    """A fake whose violations the test inspects itself (the shared fixture would fail)."""
    with running_fake() as running:
        running.require_contract()
        yield running


def post(
    fake: TwilioApiFake,
    form: Mapping[str, str],
    *,
    path: str = MESSAGES,
    auth: tuple[str, str] | None = (ACCOUNT_SID, AUTH_TOKEN),
) -> httpx.Response:
    return httpx.post(f"{fake.base_url}{path}", data=dict(form), auth=auth, timeout=5)


class TestContract:
    def test_a_good_request_creates_a_queued_message(self, fake: TwilioApiFake) -> None:
        answer = post(fake, GOOD)
        assert answer.status_code == 201
        body = answer.json()
        assert body["status"] == "queued" and body["sid"] in fake.messages
        assert fake.violations == []

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            ({"Colour": "blue"}, "Colour is not a field"),
            ({"ValidityPeriod": "four hours"}, "ValidityPeriod must be an integer"),
            ({"ValidityPeriod": "40000"}, "ValidityPeriod must be 1..36000"),
            ({"SmartEncoded": "yes"}, "SmartEncoded must be true or false"),
            ({"RiskCheck": "maybe"}, "RiskCheck must be one of"),
            ({"StatusCallback": "/relative/path"}, "StatusCallback is not a valid uri"),
            ({"MessagingServiceSid": "MG123"}, "MessagingServiceSid is shorter than 34"),
            ({"To": "20123456"}, "To must be an E.164 number"),
        ],
    )
    def test_a_broken_field_is_caught(
        self, fake: TwilioApiFake, change: dict[str, str], problem: str
    ) -> None:
        answer = post(fake, GOOD | change)
        assert answer.status_code == 400
        assert answer.json()["code"] == CONTRACT_BROKEN
        assert any(problem in v for v in fake.violations), fake.violations
        assert fake.messages == {}

    @pytest.mark.parametrize(
        ("missing", "problem"),
        [
            ("To", "To is required"),
            ("Body", "Body, MediaUrl or ContentSid is required"),
            ("From", "From or MessagingServiceSid is required"),
        ],
    )
    def test_a_missing_field_is_caught(
        self, fake: TwilioApiFake, missing: str, problem: str
    ) -> None:
        form = {k: v for k, v in GOOD.items() if k != missing}
        assert post(fake, form).status_code == 400
        assert problem in fake.violations

    def test_basic_auth_is_required(self, fake: TwilioApiFake) -> None:
        assert post(fake, GOOD, auth=None).status_code == 401
        assert "basic auth is required and missing" in fake.violations

    def test_wrong_credentials_are_refused_like_twilio(self, fake: TwilioApiFake) -> None:
        answer = post(fake, GOOD, auth=(ACCOUNT_SID, "wrong"))
        assert (answer.status_code, answer.json()["code"]) == (401, 20003)
        assert fake.violations == []  # a wrong token is not a broken contract

    def test_the_account_sid_must_look_like_one(self, fake: TwilioApiFake) -> None:
        path = "/2010-04-01/Accounts/nope/Messages.json"
        assert post(fake, GOOD, path=path, auth=("nope", AUTH_TOKEN)).status_code == 400
        assert any("AccountSid" in v for v in fake.violations)

    def test_json_instead_of_a_form_is_caught(self, fake: TwilioApiFake) -> None:
        answer = httpx.post(
            f"{fake.base_url}{MESSAGES}", json=GOOD, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5
        )
        assert answer.status_code == 400
        assert any("Content-Type" in v for v in fake.violations)

    def test_an_unknown_endpoint_is_caught(self, fake: TwilioApiFake) -> None:
        answer = httpx.get(f"{fake.base_url}/2010-04-01/Calls.json", timeout=5)
        assert answer.status_code == 404
        assert fake.violations


class TestState:
    def test_a_message_reads_back_and_an_unknown_one_is_404(self, fake: TwilioApiFake) -> None:
        sid = post(fake, GOOD).json()["sid"]
        auth = (ACCOUNT_SID, AUTH_TOKEN)
        url = f"{fake.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{{}}.json"
        assert httpx.get(url.format(sid), auth=auth).json()["sid"] == sid
        missing = httpx.get(url.format("SM" + "0" * 32), auth=auth)
        assert (missing.status_code, missing.json()["code"]) == (404, 20404)
        assert fake.violations == []

    def test_scripted_errors_come_in_order_then_normal_answers(self, fake: TwilioApiFake) -> None:
        fake.then(TwilioError(21610), TwilioError(20429, status=429))
        first, second, third = (post(fake, GOOD) for _ in range(3))
        assert (first.status_code, first.json()["code"]) == (400, 21610)
        assert (second.status_code, second.json()["code"]) == (429, 20429)
        assert third.status_code == 201
        assert len(fake.messages) == 1

    def test_own_answers_meet_the_spec(self, fake: TwilioApiFake) -> None:
        contract = fake.require_contract()
        resource = post(fake, GOOD).json()
        assert contract.check_resource(resource) == []
        assert resource["status"] in contract.message_statuses()
        assert contract.uses_basic_auth()


class TestWithoutTheSpec:
    def test_the_contract_check_skips_and_says_why(self) -> None:
        assert TwilioContract.load(SPEC_PATH.with_name("absent.json")) is None
        fake = TwilioApiFake(contract=None)
        with pytest.raises(pytest.skip.Exception, match="contract check is skipped"):
            fake.require_contract()
        assert "shared/specs" in MISSING_SPEC

    def test_the_fake_still_works_and_keeps_its_own_rules(self) -> None:
        fake = TwilioApiFake(contract=None)
        token = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        headers = {"authorization": f"Basic {token}"}
        body = urlencode(GOOD).encode()
        assert fake.handle("POST", MESSAGES, headers, body).status == 201
        assert own_rules({"To": ["+4520123456"]}) == [
            "From or MessagingServiceSid is required",
            "Body, MediaUrl or ContentSid is required",
        ]
