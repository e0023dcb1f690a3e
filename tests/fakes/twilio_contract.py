"""Twilio's Messages contract, read from the provider's OpenAPI file, for the fake to enforce.

The spec lives beside the checkout in ../shared/specs/ (CI always has it). Where it is missing,
`TwilioContract.load()` returns None and the fake checks only the rules stated in this file:
what Twilio requires beyond the spec's own `required` list, which the spec says only in prose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SPECS_DIR = Path(__file__).resolve().parents[3] / "shared" / "specs"
SPEC_PATH = SPECS_DIR / "twilio_api_v2010.json"
MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
MESSAGE = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
FORM = "application/x-www-form-urlencoded"
MISSING_SPEC = f"Twilio's OpenAPI spec is not at {SPEC_PATH}: the contract check is skipped"

# What the spec says only in prose, and the fake needs: stated here, checked always.
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
CHANNEL_ADDRESS = re.compile(r"^[a-z]+:\+[1-9]\d{1,14}$")  # whatsapp:+45…
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
VALIDITY_PERIOD = range(1, 36001)
JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


def own_rules(form: Mapping[str, list[str]]) -> list[str]:
    """Check what Twilio requires of a new message beyond the spec's `required: [To]`."""
    problems: list[str] = []
    if "From" not in form and "MessagingServiceSid" not in form:
        problems.append("From or MessagingServiceSid is required")
    if not {"Body", "MediaUrl", "ContentSid"} & form.keys():
        problems.append("Body, MediaUrl or ContentSid is required")
    for value in form.get("ValidityPeriod", []):
        if not value.isdigit() or int(value) not in VALIDITY_PERIOD:
            problems.append(f"ValidityPeriod must be 1..36000, got {value!r}")
    if "To" in form and not all(E164.fullmatch(v) for v in form["To"]):
        problems.append("To must be an E.164 number")
    return problems


@dataclass(frozen=True)
class TwilioContract:
    """The parts of the spec the fake serves, with a checker for each."""

    spec: dict[str, Any]

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> TwilioContract | None:
        """Read the spec, or None when the shared folder is not beside this checkout."""
        if not path.is_file():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def uses_basic_auth(self) -> bool:
        """Tell whether the spec asks for HTTP basic auth on every request."""
        schemes = self.spec["components"]["securitySchemes"]
        names = [name for requirement in self.spec["security"] for name in requirement]
        return any(schemes[n].get("scheme") == "basic" for n in names)

    def check_create(
        self, *, account_sid: str, content_type: str, form: Mapping[str, list[str]]
    ) -> list[str]:
        """Check a POST …/Messages.json against the spec."""
        operation = self.spec["paths"][MESSAGES]["post"]
        problems = self._path_problems(operation, {"AccountSid": account_sid})
        content = operation["requestBody"]["content"]
        if content_type.split(";")[0].strip().lower() not in content:
            problems.append(f"Content-Type {content_type!r} is not one of {sorted(content)}")
            return problems
        schema = self._resolve(content[FORM]["schema"])
        properties: dict[str, Any] = schema["properties"]
        problems += [f"{n} is required" for n in schema.get("required", []) if n not in form]
        for name, values in form.items():
            if name not in properties:
                problems.append(f"{name} is not a field of {schema.get('title', 'the request')}")
                continue
            problems += self._field_problems(name, values, self._resolve(properties[name]))
        return problems

    def check_fetch(self, *, account_sid: str, sid: str) -> list[str]:
        """Check a GET …/Messages/{Sid}.json against the spec."""
        operation = self.spec["paths"][MESSAGE]["get"]
        return self._path_problems(operation, {"AccountSid": account_sid, "Sid": sid})

    def check_list(self, *, account_sid: str, query: Mapping[str, str]) -> list[str]:
        """Check a GET …/Messages.json (a filtered list) against the spec."""
        operation = self.spec["paths"][MESSAGES]["get"]
        problems = self._path_problems(operation, {"AccountSid": account_sid})
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        for name, value in query.items():
            if name not in parameters:
                problems.append(f"{name} is not a query parameter of the message list")
                continue
            schema = self._resolve(parameters[name]["schema"])
            problems += self._form_value_problems(name, value, schema)
            if schema.get("type") == "integer" and value.lstrip("-").isdigit():
                low, high = schema.get("minimum"), schema.get("maximum")
                if (low is not None and int(value) < low) or (
                    high is not None and int(value) > high
                ):
                    problems.append(f"{name} must be within {low}..{high}, got {value}")
        return problems

    def check_resource(self, resource: Mapping[str, Any]) -> list[str]:
        """Check a Message resource the fake returns: the SDK must get what Twilio sends."""
        schema = self._resolve({"$ref": "#/components/schemas/api.v2010.account.message"})
        properties: dict[str, Any] = schema["properties"]
        problems = [f"response lacks {k}" for k in properties if k not in resource]
        for name, value in resource.items():
            if name not in properties:
                problems.append(f"response has {name}, which the spec does not")
            else:
                problems += self._json_problems(name, value, self._resolve(properties[name]))
        return problems

    def message_statuses(self) -> list[str]:
        """Every status a Message can have, per the spec."""
        statuses: list[str] = self.spec["components"]["schemas"]["message_enum_status"]["enum"]
        return statuses

    def _resolve(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return dict(schema)

    def _path_problems(self, operation: Mapping[str, Any], values: Mapping[str, str]) -> list[str]:
        problems: list[str] = []
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            value = values.get(parameter["name"])
            if value is None:
                problems.append(f"path parameter {parameter['name']} is missing")
            else:
                schema = self._resolve(parameter["schema"])
                problems += self._string_problems(parameter["name"], value, schema)
        return problems

    def _field_problems(self, name: str, values: list[str], schema: Mapping[str, Any]) -> list[str]:
        if schema.get("type") == "array":
            item = self._resolve(schema.get("items", {}))
            return [p for v in values for p in self._form_value_problems(name, v, item)]
        if len(values) > 1:
            return [f"{name} is given {len(values)} times but is not a list"]
        return self._form_value_problems(name, values[0], schema)

    def _form_value_problems(self, name: str, value: str, schema: Mapping[str, Any]) -> list[str]:
        kind = schema.get("type", "string")
        if kind == "integer" and not re.fullmatch(r"-?\d+", value):
            return [f"{name} must be an integer, got {value!r}"]
        if kind == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
            return [f"{name} must be a number, got {value!r}"]
        if kind == "boolean" and value not in ("true", "false"):
            return [f"{name} must be true or false, got {value!r}"]
        if kind == "string":
            return self._string_problems(name, value, schema)
        return []

    def _string_problems(self, name: str, value: str, schema: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{name} must be one of {schema['enum']}, got {value!r}")
        if len(value) < schema.get("minLength", 0):
            problems.append(f"{name} is shorter than {schema['minLength']}")
        if len(value) > schema.get("maxLength", len(value)):
            problems.append(f"{name} is longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{name} does not match {schema['pattern']}")
        ignore_format = schema.get("x-twilio", {}).get("ignoreFormat", False)
        if not ignore_format and not _format_ok(schema.get("format"), value):
            problems.append(f"{name} is not a valid {schema.get('format')}")
        return problems

    def _json_problems(self, name: str, value: Any, schema: Mapping[str, Any]) -> list[str]:
        if value is None:
            return [] if schema.get("nullable") else [f"{name} is null"]
        expected = JSON_TYPES.get(schema.get("type", "string"), object)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            return [f"{name} must be {schema.get('type')}, got {type(value).__name__}"]
        if isinstance(value, str):
            return self._string_problems(name, value, {**schema, "format": None})
        return []


def _format_ok(fmt: str | None, value: str) -> bool:
    if fmt == "uri":
        parsed = urlparse(value)
        return parsed.scheme in ("http", "https") and bool(parsed.netloc)
    if fmt == "phone-number":
        return bool(
            E164.fullmatch(value)
            or CHANNEL_ADDRESS.fullmatch(value)
            or ALPHANUMERIC_SENDER.fullmatch(value)
        )
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
    return True
