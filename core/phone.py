"""The one place phone numbers are read: E.164, Danish by default.

`parse_phone` is the rule for a number the service will text (a member list, the CLI): valid and
able to take an SMS. `parse_sender` reads a number a provider says a message came from: any
possible number, since refusing a sender would lose what they wrote (a STOP among it).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "DK"
# Numbers that can receive an SMS; Danish numbers are mostly "fixed line or mobile" in the
# metadata, since Denmark does not split the two. Toll-free and premium-rate numbers cannot.
_TEXTABLE = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.FIXED_LINE}
)
_MAX_PHONE_TEXT = 40  # phonenumbers refuses longer input anyway; stop before the work
# A Danish number as member lists mostly write it: eight digits, spaced or dashed, perhaps after
# +45 or 0045. phonenumbers.parse reads such a number as country code 45 and those eight digits
# (Denmark has no national prefix, and a first digit of 0 is left to it), so `parse_phone`
# builds that number itself: parse was half its time in a member import. Whether the number is
# valid and can take an SMS is still phonenumbers' own answer.
_DANISH = re.compile(r"(?:\+45|0045)?([1-9][0-9]{7})")
_SPACING = str.maketrans("", "", " -")


def parse_phone(text: str) -> str | None:
    """Return the number in E.164 if it is a valid number that can take an SMS, else None."""
    if not text.strip() or len(text) > _MAX_PHONE_TEXT:
        return None
    if danish := _DANISH.fullmatch(text.translate(_SPACING)):
        number = PhoneNumber(country_code=45, national_number=int(danish[1]))
    else:
        try:
            number = phonenumbers.parse(text, DEFAULT_REGION)
        except NumberParseException:
            return None
    # number_type is UNKNOWN for any invalid number, so one lookup settles both "is it a valid
    # number" and "can it take an SMS"; is_valid_number first would do the same matching twice.
    if phonenumbers.number_type(number) not in _TEXTABLE:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def parse_sender(text: str) -> str | None:
    """Return a provider's sender number in E.164 if it is a possible number, else None."""
    if not text.strip() or len(text) > _MAX_PHONE_TEXT:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_danish(text: str) -> bool:
    """Tell whether a number is Danish (+45); an address that is no number counts as Danish."""
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException:
        return True
    return phonenumbers.region_code_for_number(number) in (DEFAULT_REGION, None)
