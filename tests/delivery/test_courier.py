"""The reply courier: its own threads send what the webhooks tell it, one address at a time."""

from __future__ import annotations

import threading
from collections import Counter

from delivery.courier import ReplyCourier
from tests.waiting import HANG_GUARD_SECONDS, wait_until


class Sends:
    """A send that records its addresses and can hold one of them until released."""

    def __init__(self, *, hold: str | None = None) -> None:
        self.hold = hold
        self.released = threading.Event()
        self.calls: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, *, address: str) -> None:
        with self._lock:
            self.calls[address] += 1
            self.in_flight[address] += 1
            self.most_at_once[address] = max(self.most_at_once[address], self.in_flight[address])
        if address == self.hold:
            assert self.released.wait(HANG_GUARD_SECONDS)
        with self._lock:
            self.in_flight[address] -= 1
        if address == "boom":
            raise RuntimeError("the provider is down")


def test_a_told_address_is_sent_by_the_courier() -> None:
    sends = Sends()
    courier = ReplyCourier(send=sends)
    courier.notify(address="+4520000001").result(HANG_GUARD_SECONDS)
    assert sends.calls == {"+4520000001": 1}
    courier.close(timeout=HANG_GUARD_SECONDS)


def test_an_address_in_flight_waits_while_others_go_ahead() -> None:
    sends = Sends(hold="a")
    courier = ReplyCourier(send=sends, workers=3)
    first = courier.notify(address="a")
    wait_until(lambda: sends.in_flight["a"] == 1, "a is being sent")
    again = courier.notify(address="a")  # its newest answer may be after the claim
    courier.notify(address="b").result(HANG_GUARD_SECONDS)
    assert sends.calls["a"] == 1 and not again.done()
    sends.released.set()
    first.result(HANG_GUARD_SECONDS)
    again.result(HANG_GUARD_SECONDS)
    assert sends.calls == {"a": 2, "b": 1} and sends.most_at_once["a"] == 1
    courier.close(timeout=HANG_GUARD_SECONDS)


def test_a_failed_send_is_left_to_the_tick_and_the_courier_goes_on() -> None:
    sends = Sends()
    courier = ReplyCourier(send=sends, workers=1)
    courier.notify(address="boom").result(HANG_GUARD_SECONDS)
    courier.notify(address="c").result(HANG_GUARD_SECONDS)
    assert sends.calls == {"boom": 1, "c": 1}
    courier.close(timeout=HANG_GUARD_SECONDS)


def test_closing_sends_what_was_told_and_leaves_later_ones_to_the_tick() -> None:
    sends = Sends(hold="a")
    courier = ReplyCourier(send=sends, workers=1)
    courier.notify(address="a")
    wait_until(lambda: sends.in_flight["a"] == 1, "a is being sent")
    told = courier.notify(address="d")
    closing = threading.Thread(target=courier.close, kwargs={"timeout": HANG_GUARD_SECONDS})
    closing.start()
    wait_until(lambda: courier.closed, "the courier is closing")
    assert courier.notify(address="late").done()
    sends.released.set()
    closing.join(HANG_GUARD_SECONDS)
    assert told.done() and sends.calls == {"a": 1, "d": 1}


def test_an_idle_thread_ends_and_the_next_address_starts_one() -> None:
    sends = Sends()
    courier = ReplyCourier(send=sends, idle_seconds=0.01)
    courier.notify(address="e").result(HANG_GUARD_SECONDS)
    wait_until(lambda: courier.threads == 0, "the idle thread ended")
    courier.notify(address="e").result(HANG_GUARD_SECONDS)
    assert sends.calls == {"e": 2}
    courier.close(timeout=HANG_GUARD_SECONDS)


def test_a_burst_gets_no_more_threads_than_its_workers() -> None:
    sends = Sends(hold="h")
    courier = ReplyCourier(send=sends, workers=2)
    courier.notify(address="h")
    wait_until(lambda: sends.in_flight["h"] == 1, "h is being sent")
    told = [courier.notify(address=f"+45200000{n:02d}") for n in range(20)]
    for done in told:
        done.result(HANG_GUARD_SECONDS)
    assert courier.threads == 2 and sends.calls["h"] == 1
    sends.released.set()
    courier.close(timeout=HANG_GUARD_SECONDS)
    assert sends.calls["h"] == 1 and courier.threads == 0
