"""Keyed pseudonyms for contacts and CPR numbers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from core.pseudonyms import Pseudonymizer
from core.settings import Settings

KNOWN_CONTACT_ID = "c-mytpvq27cp"  # +4520123456 under "key-one-for-tests", as stored before


def _pseudonymizer(
    pseudonym_key: str = "key-one-for-tests", cpr_key: str = "key-two"
) -> Pseudonymizer:
    return Pseudonymizer(pseudonym_key=SecretStr(pseudonym_key), cpr_hmac_key=SecretStr(cpr_key))


class TestContactId:
    def test_is_short_and_stable(self) -> None:
        ids = _pseudonymizer()
        first = ids.contact_id("+4520123456")
        assert first == ids.contact_id("+4520123456")
        assert re.fullmatch(r"c-[a-z2-7]{10}", first)

    def test_differs_per_phone_and_key(self) -> None:
        ids = _pseudonymizer()
        assert ids.contact_id("+4520123456") != ids.contact_id("+4520123457")
        other = _pseudonymizer(pseudonym_key="another-key")
        assert ids.contact_id("+4520123456") != other.contact_id("+4520123456")

    def test_does_not_contain_the_phone(self) -> None:
        assert "20123456" not in _pseudonymizer().contact_id("+4520123456")


class TestCprHash:
    def test_dash_does_not_matter(self) -> None:
        ids = _pseudonymizer()
        assert ids.cpr_hash("010170-1234") == ids.cpr_hash("0101701234")

    def test_is_hmac_sha256_hex_under_its_own_key(self) -> None:
        digest = _pseudonymizer().cpr_hash("0101701234")
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert digest != _pseudonymizer(cpr_key="another-key").cpr_hash("0101701234")

    def test_bad_input_error_does_not_repeat_it(self) -> None:
        with pytest.raises(ValueError, match="10 digits") as caught:
            _pseudonymizer().cpr_hash("010170-123")
        assert "010170" not in str(caught.value)


class TestConstruction:
    def test_from_settings(self) -> None:
        settings = Settings(pseudonym_key=SecretStr("a" * 20), cpr_hmac_key=SecretStr("b" * 20))
        expected = _pseudonymizer("a" * 20, "b" * 20).contact_id("+4520123456")
        assert Pseudonymizer.from_settings(settings).contact_id("+4520123456") == expected

    def test_empty_key_is_refused(self) -> None:
        with pytest.raises(ValueError, match="empty"):
            _pseudonymizer(pseudonym_key="")

    def test_repr_hides_the_keys(self) -> None:
        assert "key-one" not in repr(_pseudonymizer())


class TestSameAsTheirDefinition:
    """The pseudonyms already stored must not change: each is its documented HMAC, spelled out."""

    @given(st.text(max_size=20), st.text(min_size=1, max_size=40))
    def test_contact_id_is_the_start_of_the_hmac_in_base32(self, phone: str, key: str) -> None:
        digest = hmac.new(key.encode(), phone.encode(), hashlib.sha256).digest()
        expected = "c-" + base64.b32encode(digest).decode().lower()[:10]
        assert _pseudonymizer(pseudonym_key=key).contact_id(phone) == expected

    @given(st.text(max_size=20), st.text(min_size=1, max_size=40))
    def test_suppression_key_is_the_hmac_of_the_prefixed_phone(self, phone: str, key: str) -> None:
        message = b"suppression:" + phone.encode()
        expected = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
        assert _pseudonymizer(pseudonym_key=key).suppression_key(phone) == expected

    @given(st.from_regex(r"[0-9]{10}", fullmatch=True), st.text(min_size=1, max_size=40))
    def test_cpr_hash_is_the_hmac_of_the_digits(self, digits: str, key: str) -> None:
        expected = hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()
        assert _pseudonymizer(cpr_key=key).cpr_hash(digits) == expected

    def test_a_known_contact_id(self) -> None:
        assert _pseudonymizer().contact_id("+4520123456") == KNOWN_CONTACT_ID
