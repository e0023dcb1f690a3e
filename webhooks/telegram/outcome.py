"""The staff's outcome dialogue on Telegram, as pure functions: a pressed button to a screen.

After Mødt the booking notice turns into a short form, edited in place: referrals (several, from
the municipality's offers), advice to see the GP, a further course and its follow-up date, then a
summary to save. Every button carries the whole draft in its callback data
(`o:<booking>:<page>:<referrals bitmask>:<gp>:<course>:<days>`, well under Telegram's 64 bytes),
so the dialogue keeps no state of its own and a staff member can leave it and come back.
Saving records the outcome through `booking.outcomes.record_outcome`; non-municipal referrals
and waiting time are for the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from booking import offers as offers_module
from booking.attendance import attendance_buttons, is_id
from booking.outcomes import Outcome, one_month_after
from channels.port import Button, Buttons

PREFIX = "o"
FOLLOW_UP_WEEKS = (1, 2, 3, 4)
WEEKDAYS = ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn.")


@dataclass(frozen=True)
class Offer:
    """A municipal offer a citizen can be referred to: a stable code and its label."""

    code: str
    label: str


# The form shows at most this many offers (a longer list belongs in the console); it also
# keeps the referrals bitmask short in the callback data.
MAX_OFFERS = 24
# The offers every municipality starts with (booking.offers), as the form shows them.
DEFAULT_OFFERS = tuple(Offer(code, name) for code, name in offers_module.DEFAULT_OFFERS)


class Page(StrEnum):
    REFERRALS = "R"
    GP = "G"
    COURSE = "F"
    DATE = "D"
    SUMMARY = "S"
    SAVE = "W"
    CANCEL = "X"


@dataclass(frozen=True)
class Draft:
    """The outcome so far; it travels in the buttons."""

    booking_id: int
    page: Page = Page.REFERRALS
    referrals: int = 0  # bit i set: the i-th offer is chosen
    gp_advice: bool = False
    further_course: bool = False
    follow_up_days: int = 0  # days after the conversation; 0 when there is no further course

    def to(self, page: Page, **changes: object) -> Draft:
        return replace(self, page=page, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Screen:
    """What the form message shows: its text and its buttons."""

    text: str
    buttons: Buttons


def encode(draft: Draft) -> str:
    """Put a draft into a button's callback data."""
    gp, course = int(draft.gp_advice), int(draft.further_course)
    return (
        f"{PREFIX}:{draft.booking_id}:{draft.page}:{draft.referrals}:{gp}:{course}"
        f":{draft.follow_up_days}"
    )


def decode(data: str) -> Draft | None:
    """Read a draft from callback data; None if it is not one."""
    parts = data.split(":")
    if len(parts) != 7 or parts[0] != PREFIX or parts[2] not in Page._value2member_map_:
        return None
    numbers = [parts[1], parts[3], parts[4], parts[5], parts[6]]
    if not all(is_id(n) for n in numbers):
        return None
    booking_id, referrals, gp, course, days = (int(n) for n in numbers)
    if referrals >= 1 << MAX_OFFERS or days > 366:
        return None
    return Draft(booking_id, Page(parts[2]), referrals, gp == 1, course == 1, days)


def chosen(draft: Draft, offers: Sequence[Offer]) -> tuple[Offer, ...]:
    """Return the offers a draft has chosen."""
    return tuple(offer for i, offer in enumerate(offers) if draft.referrals >> i & 1)


def to_outcome(draft: Draft, *, offers: Sequence[Offer], conversation_day: date) -> Outcome:
    """Turn a finished draft into the outcome to record."""
    course = draft.further_course and draft.follow_up_days > 0
    return Outcome(
        attended=True,
        referrals_municipal=tuple(offer.code for offer in chosen(draft, offers)),
        gp_advice=draft.gp_advice,
        further_course=course,
        follow_up_date=conversation_day + timedelta(days=draft.follow_up_days) if course else None,
    )


def follow_up_choices(*, conversation_day: date, today: date) -> tuple[int, ...]:
    """Days after the conversation staff can choose: weekly, in the future, within a month."""
    latest = (one_month_after(conversation_day) - conversation_day).days
    days = tuple(
        d
        for d in (7 * w for w in FOLLOW_UP_WEEKS)
        if d <= latest and conversation_day + timedelta(days=d) > today
    )
    return days or (max(1, (today - conversation_day).days + 1),)


def screen(
    draft: Draft,
    *,
    header: str,
    offers: Sequence[Offer],
    conversation_day: date,
    today: date,
    console_url: str = "",
) -> Screen:
    """Render the page a draft is on."""
    match draft.page:
        case Page.REFERRALS:
            return _referrals(draft, header, offers, console_url)
        case Page.GP:
            return _question(
                draft, header, offers, "Råd om at kontakte egen læge?", Page.COURSE, "gp_advice"
            )
        case Page.COURSE:
            return _course(draft, header, offers)
        case Page.DATE:
            return _date(draft, header, offers, conversation_day, today)
        case Page.SUMMARY:
            return _summary(draft, header, offers, conversation_day, console_url)
        case _:
            return Screen(header, attendance_buttons(draft.booking_id))


def saved(draft: Draft, *, header: str, offers: Sequence[Offer], conversation_day: date) -> str:
    """The form's text once the outcome is saved: no buttons any more."""
    return f"{header}\n\n✔ Mødt – udfaldet er gemt.\n{_facts(draft, offers, conversation_day)}"


def _button(label: str, draft: Draft) -> Button:
    return (label, encode(draft))


def _referrals(draft: Draft, header: str, offers: Sequence[Offer], console_url: str) -> Screen:
    toggles = [
        _button(
            f"✓ {offer.label}" if draft.referrals >> i & 1 else offer.label,
            draft.to(Page.REFERRALS, referrals=draft.referrals ^ (1 << i)),
        )
        for i, offer in enumerate(offers)
    ]
    rows: list[tuple[Button, ...]] = [tuple(toggles[i : i + 2]) for i in range(0, len(toggles), 2)]
    rows.append(
        (_button("Videre ▸", draft.to(Page.GP)), _button("Annullér", draft.to(Page.CANCEL)))
    )
    if console_url:
        rows.append((("Registrér i konsollen", console_url),))
    text = f"{header}\n\nMødt. Henvist til kommunale tilbud? Vælg alle, der passer, og tryk Videre."
    return Screen(text, tuple(rows))


def _question(
    draft: Draft, header: str, offers: Sequence[Offer], question: str, then: Page, field: str
) -> Screen:
    rows = (
        (
            _button("Ja", draft.to(then, **{field: True})),
            _button("Nej", draft.to(then, **{field: False})),
        ),
        _back_row(draft, Page.REFERRALS),
    )
    return Screen(f"{header}\n\n{_referred(draft, offers)}\n{question}", rows)


def _course(draft: Draft, header: str, offers: Sequence[Offer]) -> Screen:
    rows = (
        (
            _button("Ja", draft.to(Page.DATE, further_course=True)),
            _button("Nej", draft.to(Page.SUMMARY, further_course=False, follow_up_days=0)),
        ),
        _back_row(draft, Page.GP),
    )
    question = "Aftalt et videre forløb, som borgeren skal følges op på?"
    return Screen(f"{header}\n\n{_referred(draft, offers)}\n{question}", rows)


def _date(
    draft: Draft, header: str, offers: Sequence[Offer], conversation_day: date, today: date
) -> Screen:
    choices = follow_up_choices(conversation_day=conversation_day, today=today)
    dates = [
        _button(
            _day(conversation_day + timedelta(days=d)), draft.to(Page.SUMMARY, follow_up_days=d)
        )
        for d in choices
    ]
    rows = (
        *(tuple(dates[i : i + 2]) for i in range(0, len(dates), 2)),
        _back_row(draft, Page.COURSE),
    )
    question = "Hvornår skal borgeren følges op? Senest en måned efter samtalen."
    return Screen(f"{header}\n\n{_referred(draft, offers)}\n{question}", rows)


def _summary(
    draft: Draft, header: str, offers: Sequence[Offer], conversation_day: date, console_url: str
) -> Screen:
    rows: list[tuple[Button, ...]] = [
        (_button("Gem ✓", draft.to(Page.SAVE)), _button("Ret", draft.to(Page.REFERRALS))),
        (_button("Annullér", draft.to(Page.CANCEL)),),
    ]
    if console_url:
        rows.append((("Registrér i konsollen", console_url),))
    facts = _facts(draft, offers, conversation_day)
    return Screen(f"{header}\n\nMødt.\n{facts}\n\nGem udfaldet?", tuple(rows))


def _day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day}.{day.month}."


def _back_row(draft: Draft, page: Page) -> tuple[Button, ...]:
    return (_button("◂ Tilbage", draft.to(page)), _button("Annullér", draft.to(Page.CANCEL)))


def _referred(draft: Draft, offers: Sequence[Offer]) -> str:
    labels = ", ".join(offer.label for offer in chosen(draft, offers))
    return f"Henvist til: {labels or 'ingen kommunale tilbud'}."


def _facts(draft: Draft, offers: Sequence[Offer], conversation_day: date) -> str:
    course = (
        f"ja, opfølgning {conversation_day + timedelta(days=draft.follow_up_days):%d.%m.%Y}"
        if draft.further_course and draft.follow_up_days
        else "nej"
    )
    return (
        f"{_referred(draft, offers)}\n"
        f"Råd om egen læge: {'ja' if draft.gp_advice else 'nej'}.\n"
        f"Videre forløb: {course}."
    )
