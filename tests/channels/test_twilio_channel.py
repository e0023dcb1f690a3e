"""The Twilio channel: the real SDK against the local fake of Twilio's API, errors, pacing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from channels.port import ChannelPermanentError, ChannelTemporaryError, OutgoingMessage
from channels.twilio import (
    ErrorKind,
    RateLimiter,
    TwilioChannel,
    TwilioConfig,
    classify,
    describe,
    make_client,
)
from tests.fakes.twilio_api import Delay, Drop, TwilioApiFake, TwilioError

PUBLIC = "https://recruitbot.example.dk"
SERVICE_SID = "MG" + "ab" * 16
TO = "+4520123456"


class FakeTime:
    """A monotonic clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def config(fake: TwilioApiFake, **changes: object) -> TwilioConfig:
    base = TwilioConfig(
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        from_="+4570203040",
        public_base_url=PUBLIC,
        api_base_url=fake.base_url,
        timeout=2.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def channel(fake: TwilioApiFake, **changes: object) -> TwilioChannel:
    time = FakeTime()
    return TwilioChannel(config(fake, **changes), clock=time.clock, sleep=time.sleep)


def message(
    message_id: int = 7, text: str = "Hej Anne, vil du med til sundhedstjek? æøå"
) -> OutgoingMessage:
    return OutgoingMessage(message_id=message_id, address=TO, text=text)


class TestSend:
    def test_the_sdk_request_meets_twilios_contract(self, twilio_api: TwilioApiFake) -> None:
        twilio_api.require_contract()
        receipt = channel(twilio_api).send(message())
        assert receipt.provider_id in twilio_api.messages
        assert receipt.provider_id.startswith("SM") and len(receipt.provider_id) == 34
        form = twilio_api.forms[receipt.provider_id]
        assert form["To"] == [TO]
        assert form["From"] == ["+4570203040"]
        assert form["Body"] == ["Hej Anne, vil du med til sundhedstjek? æøå"]
        assert form["ValidityPeriod"] == ["14400"]
        assert form["StatusCallback"] == [f"{PUBLIC}/webhooks/twilio/status?message_id=7"]
        assert twilio_api.violations == []

    def test_a_messaging_service_instead_of_a_number(self, twilio_api: TwilioApiFake) -> None:
        sender = channel(twilio_api, from_=None, messaging_service_sid=SERVICE_SID)
        receipt = sender.send(message())
        form = twilio_api.forms[receipt.provider_id]
        assert form["MessagingServiceSid"] == [SERVICE_SID]
        assert "From" not in form

    def test_no_status_callback_without_a_public_url(self, twilio_api: TwilioApiFake) -> None:
        receipt = channel(twilio_api, public_base_url=None).send(message())
        assert "StatusCallback" not in twilio_api.forms[receipt.provider_id]

    def test_validity_period_is_configurable(self, twilio_api: TwilioApiFake) -> None:
        receipt = channel(twilio_api, validity_period=600).send(message())
        assert twilio_api.forms[receipt.provider_id]["ValidityPeriod"] == ["600"]

    def test_a_scheduled_message_expires_when_its_window_closes(
        self, twilio_api: TwilioApiFake
    ) -> None:
        late = replace(message(), expires_in=300)  # five minutes before 18:00
        receipt = channel(twilio_api).send(late)
        assert twilio_api.forms[receipt.provider_id]["ValidityPeriod"] == ["300"]

    def test_the_sdk_reads_a_message_back(self, twilio_api: TwilioApiFake) -> None:
        receipt = channel(twilio_api).send(message())
        fetched = make_client(config(twilio_api)).messages(receipt.provider_id).fetch()
        assert fetched.status == "queued"
        assert fetched.to == TO

    def test_a_config_without_sender_is_refused(self, twilio_api: TwilioApiFake) -> None:
        with pytest.raises(ValueError, match="From number or a messaging service"):
            config(twilio_api, from_=None)


class TestErrors:
    @pytest.mark.parametrize("code", [30003, 30004, 30005, 30006])
    def test_unreachable_numbers(self, twilio_api: TwilioApiFake, code: int) -> None:
        twilio_api.then(TwilioError(code))
        with pytest.raises(ChannelPermanentError) as caught:
            channel(twilio_api).send(message())
        assert caught.value.unreachable and not caught.value.opted_out
        assert caught.value.reason.startswith(f"unreachable: twilio {code}")

    def test_opted_out_recipient(self, twilio_api: TwilioApiFake) -> None:
        twilio_api.then(TwilioError(21610, message="Attempt to send to unsubscribed recipient"))
        with pytest.raises(ChannelPermanentError) as caught:
            channel(twilio_api).send(message())
        assert caught.value.opted_out and not caught.value.unreachable
        assert "21610" in caught.value.reason

    def test_other_client_errors_keep_their_code(self, twilio_api: TwilioApiFake) -> None:
        twilio_api.then(TwilioError(21211, message="The 'To' number +4520123456 is not valid"))
        with pytest.raises(ChannelPermanentError) as caught:
            channel(twilio_api).send(message())
        assert caught.value.reason == "twilio 21211: invalid To"
        assert TO not in str(caught.value)  # Twilio's text may quote the number; ours never does
        assert not caught.value.opted_out and not caught.value.unreachable

    def test_wrong_credentials_are_permanent(self, twilio_api: TwilioApiFake) -> None:
        with pytest.raises(ChannelPermanentError, match="twilio 20003"):
            channel(twilio_api, auth_token="wrong-token").send(message())

    @pytest.mark.parametrize(
        "error",
        [
            TwilioError(20429, status=429, message="Too Many Requests"),
            TwilioError(30001, status=400, message="Queue overflow"),
            TwilioError(20500, status=500, message="Internal Server Error"),
            TwilioError(20503, status=503, message="Service Unavailable"),
        ],
        ids=["429", "queue-full", "500", "503"],
    )
    def test_throttling_and_server_errors_are_temporary(
        self, twilio_api: TwilioApiFake, error: TwilioError
    ) -> None:
        twilio_api.then(error)
        with pytest.raises(ChannelTemporaryError):
            channel(twilio_api).send(message())

    def test_a_dropped_connection_is_temporary(self, twilio_api: TwilioApiFake) -> None:
        twilio_api.then(Drop())
        with pytest.raises(ChannelTemporaryError, match="not reachable"):
            channel(twilio_api).send(message())

    def test_a_late_answer_times_out_as_temporary(self, twilio_api: TwilioApiFake) -> None:
        twilio_api.then(Delay(1.0))
        with pytest.raises(ChannelTemporaryError, match="not reachable"):
            channel(twilio_api, timeout=0.2).send(message())

    def test_a_slow_answer_within_the_timeout_is_fine(self, twilio_api: TwilioApiFake) -> None:
        twilio_api.then(Delay(0.2))
        assert channel(twilio_api, timeout=5.0).send(message()).provider_id

    def test_no_server_at_all_is_temporary(self, twilio_api: TwilioApiFake) -> None:
        with pytest.raises(ChannelTemporaryError):
            channel(twilio_api, api_base_url="http://127.0.0.1:9").send(message())

    def test_after_an_error_the_next_send_goes_through(self, twilio_api: TwilioApiFake) -> None:
        sender = channel(twilio_api)
        twilio_api.then(TwilioError(20429, status=429))
        with pytest.raises(ChannelTemporaryError):
            sender.send(message())
        assert sender.send(message()).provider_id in twilio_api.messages


class TestClassify:
    @pytest.mark.parametrize(
        ("code", "status", "kind"),
        [
            (21610, 400, ErrorKind.OPTED_OUT),
            (30005, None, ErrorKind.UNREACHABLE),
            (20429, 429, ErrorKind.TEMPORARY),
            (None, 429, ErrorKind.TEMPORARY),
            (30001, None, ErrorKind.TEMPORARY),
            (None, 502, ErrorKind.TEMPORARY),
            (21211, 400, ErrorKind.PERMANENT),
            (30007, None, ErrorKind.PERMANENT),
        ],
    )
    def test_kinds(self, code: int | None, status: int | None, kind: ErrorKind) -> None:
        assert classify(code, http_status=status) is kind

    def test_descriptions_keep_the_code(self) -> None:
        assert describe(21211) == "twilio 21211: invalid To"
        assert describe(30003) == "unreachable: twilio 30003: unreachable destination handset"
        assert describe(12345) == "twilio 12345: error"


class TestRateLimit:
    def test_sends_are_paced_to_the_mps(self, twilio_api: TwilioApiFake) -> None:
        time = FakeTime()
        sender = TwilioChannel(config(twilio_api, mps=10), clock=time.clock, sleep=time.sleep)
        start = time.now
        for n in range(25):
            sender.send(message(message_id=n + 1))
        assert len(twilio_api.messages) == 25
        assert time.now - start == pytest.approx(2.4)  # 24 gaps of 1/10 s after the first
        assert all(s == pytest.approx(0.1) for s in time.sleeps)

    def test_no_wait_when_sends_are_spaced_anyway(self) -> None:
        time = FakeTime()
        limiter = RateLimiter(per_second=2, clock=time.clock, sleep=time.sleep)
        for _ in range(3):
            limiter.wait()
            time.now += 1.0  # the caller took a second itself
        assert time.sleeps == []

    def test_a_burst_waits_its_turn(self) -> None:
        time = FakeTime()
        limiter = RateLimiter(per_second=4, clock=time.clock, sleep=time.sleep)
        for _ in range(5):
            limiter.wait()
        assert time.sleeps == [pytest.approx(0.25)] * 4

    def test_the_rate_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            RateLimiter(per_second=0)
