"""Telegram's Bot API contract, read from the machine-readable spec, for the fake to enforce.

The spec lives beside the checkout in ../shared/specs/ (CI always has it). Where it is missing,
`TelegramContract.load()` returns None and the fake accepts every call unchecked; the contract
tests skip with `MISSING_SPEC`.

Checked for each call: the method exists, every required parameter is present, no parameter
is unknown, and each value has one of the documented types, objects field by field (so an
inline keyboard's buttons are checked too). Calls arrive as PTB sends them: form fields whose
non-string values are JSON-encoded; a JSON body is accepted as well.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "specs" / "telegram_bot_api.json"
MISSING_SPEC = f"Telegram's Bot API spec is not at {SPEC_PATH}: the contract check is skipped"
MAX_DEPTH = 8


@dataclass(frozen=True)
class TelegramContract:
    """The spec's methods and types, with checkers for calls and objects."""

    methods: Mapping[str, Any]
    types: Mapping[str, Any]
    version: str

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> TelegramContract | None:
        """Read the spec; None when it is not there."""
        if not path.is_file():
            return None
        spec = json.loads(path.read_text(encoding="utf-8"))
        return cls(methods=spec["methods"], types=spec["types"], version=str(spec["version"]))

    def check_call(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """Return what is wrong with a call (empty when it keeps the contract)."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: no such method in {self.version}"]
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [
            f"{method}: unknown parameter {name!r}" for name in params if name not in fields
        ]
        problems += [
            f"{method}: required parameter {name!r} missing"
            for name, f in fields.items()
            if f["required"] and name not in params
        ]
        for name, value in params.items():
            if name in fields:
                decoded = decode_form_value(value, fields[name]["types"])
                problems += self.check_value(fields[name]["types"], decoded, f"{method}.{name}")
        return problems

    def check_object(
        self, type_name: str, value: Any, where: str = "", depth: int = 0
    ) -> list[str]:
        """Return what is wrong with an object said to be of `type_name`."""
        where = where or type_name
        spec = self.types.get(type_name)
        if spec is None:
            return [f"{where}: unknown type {type_name}"]
        if depth > MAX_DEPTH:
            return []
        if "subtypes" in spec:
            return self._check_union(spec["subtypes"], value, where, depth)
        if not isinstance(value, dict):
            return [f"{where}: expected a {type_name} object, got {type(value).__name__}"]
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [f"{where}: unknown field {name!r}" for name in value if name not in fields]
        problems += [
            f"{where}: required field {name!r} missing"
            for name, f in fields.items()
            if f["required"] and name not in value
        ]
        for name, item in value.items():
            if name in fields:
                problems += self.check_value(
                    fields[name]["types"], item, f"{where}.{name}", depth + 1
                )
        return problems

    def check_value(self, types: list[str], value: Any, where: str, depth: int = 0) -> list[str]:
        """Return problems unless the value has one of the documented types."""
        attempts = [self._check_type(t, value, where, depth) for t in types]
        if any(not problems for problems in attempts):
            return []
        # Report against the type it came closest to: the keyboard, not all four markups.
        return min(attempts, key=len)

    def _check_union(self, subtypes: list[str], value: Any, where: str, depth: int) -> list[str]:
        attempts = [self.check_object(t, value, where, depth + 1) for t in subtypes]
        if any(not problems for problems in attempts):
            return []
        return [f"{where}: matches none of {', '.join(subtypes)}: {min(attempts, key=len)}"]

    def _check_type(self, type_expr: str, value: Any, where: str, depth: int) -> list[str]:
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{where}: expected an array, got {type(value).__name__}"]
            inner = type_expr.removeprefix("Array of ")
            return [
                p
                for i, v in enumerate(value)
                for p in self._check_type(inner, v, f"{where}[{i}]", depth)
            ]
        basic = BASIC_TYPES.get(type_expr)
        if basic is not None:
            return [] if basic(value) else [f"{where}: expected {type_expr}, got {value!r:.60}"]
        if type_expr == "InputFile":
            return []
        return self.check_object(type_expr, value, where, depth)


BASIC_TYPES = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


def decode_form_value(value: Any, types: list[str]) -> Any:
    """Undo PTB's form encoding: strings stay strings where a string is allowed, else JSON."""
    if not isinstance(value, str) or (value and "String" in types and not _json_like(value, types)):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _json_like(value: str, types: list[str]) -> bool:
    # "42" for chat_id (Integer or String) is fine either way; "[…]" for a String is text.
    return value[:1] in "[{" and any(t not in BASIC_TYPES for t in types)
