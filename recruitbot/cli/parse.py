"""Show how the engine reads a reply, or a whole batch of real replies, as JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from bot.interpret import Expect, read_reply
from bot.reading import read_at_step
from bot.types import Language, Step
from core.calendar import COPENHAGEN

Lang = Literal["da", "en"]


class BatchLineError(ValueError):
    """One line of a batch file can't be read."""


def _language(value: object) -> Language:
    if value == "da" or value is None:
        return "da"
    if value == "en":
        return "en"
    raise BatchLineError(f"lang must be 'da' or 'en', not {value!r}")


def _expect(value: object) -> Expect:
    try:
        return Expect(str(value))
    except ValueError:
        kinds = ", ".join(kind.value for kind in Expect)
        raise BatchLineError(f"expect must be one of {kinds}, not {value!r}") from None


def _step(value: object) -> Step:
    try:
        return Step(str(value))
    except ValueError:
        steps = ", ".join(step.value for step in Step)
        raise BatchLineError(f"step must be one of {steps}, not {value!r}") from None


def today() -> date:
    """The Danish date replies are read against (a CLI may read the clock; the engine may not)."""
    return datetime.now(COPENHAGEN).date()


def _target(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BatchLineError(f"municipality must be a string, not {value!r}")


def _options(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BatchLineError(f"options must be a whole number of 1 or more, not {value!r}")
    return value


def read_line(raw: str, defaults: dict[str, Any]) -> dict[str, object]:
    """Read one batch line, {"text", "step" or "expect", "options", "lang", "municipality"}."""
    if not raw.strip():
        raise BatchLineError("empty line")
    try:
        line = json.loads(raw)
    except json.JSONDecodeError as error:
        raise BatchLineError(f"invalid JSON: {error.msg}") from None
    if not isinstance(line, dict):
        raise BatchLineError("each line must be a JSON object with text and expect")
    fields = defaults | {name: value for name, value in line.items() if value is not None}
    text = fields.get("text")
    if not isinstance(text, str):
        raise BatchLineError("text must be a string")
    if fields.get("step") is not None:
        return read_at_step(
            text,
            _step(fields["step"]),
            today=today(),
            options=_options(fields.get("options")),
            lang=_language(fields.get("lang")),
            target_municipality=_target(fields.get("municipality")),
        ).as_dict()
    if fields.get("expect") is None:
        raise BatchLineError("step or expect is missing")
    reading = read_reply(
        text,
        _expect(fields["expect"]),
        options=_options(fields.get("options")),
        lang=_language(fields.get("lang")),
    )
    return reading.as_dict()


def read_batch(lines: Iterable[str], defaults: dict[str, Any]) -> Iterator[dict[str, object]]:
    """Read every line; a bad line gives {"line": n, "error": ...} and the others go on."""
    for number, raw in enumerate(lines, 1):
        try:
            yield read_line(raw, defaults)
        except BatchLineError as error:
            yield {"line": number, "error": str(error)}


def _open_lines(batch: str) -> list[str]:
    if batch == "-":
        return sys.stdin.read().splitlines()
    path = Path(batch)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {batch}", param_hint="--batch")
    # A stray byte that is not UTF-8 spoils one reply, not the whole batch.
    return path.read_bytes().decode("utf-8-sig", errors="replace").splitlines()


def parse_reply(
    text: Annotated[str | None, typer.Argument(help="The reply, as the citizen wrote it.")] = None,
    expect: Annotated[
        Expect | None, typer.Option(help="What the question asks for.", case_sensitive=False)
    ] = None,
    step: Annotated[
        Step | None,
        typer.Option(help="The dialogue step, read exactly as the engine reads it there."),
    ] = None,
    options: Annotated[
        int | None,
        typer.Option(min=1, help="How many numbered answers (choice: 3, multi: 5; scale is 5)."),
    ] = None,
    lang: Annotated[Lang, typer.Option(help="The conversation's language.")] = "da",
    municipality: Annotated[
        str | None,
        typer.Option(help="The campaign's municipality, which --step municipality compares with."),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            help='A file of JSON lines {"text", "step" or "expect", "options", "lang",'
            ' "municipality"}, or - for stdin; one JSON result is printed per line.'
        ),
    ] = None,
    evaluate: Annotated[
        str | None,
        typer.Option(help="A labelled corpus (JSON lines); print accuracy and opt-out figures."),
    ] = None,
) -> None:
    """Print, as JSON, what the engine understands from a reply."""
    if evaluate is not None:
        from recruitbot.cli.evaluate import print_report

        print_report(_open_lines(evaluate))
        return
    if (text is None) == (batch is None):
        raise typer.BadParameter("give either a TEXT or --batch FILE")
    if batch is not None:
        defaults = {
            "expect": expect.value if expect else None,
            "step": step.value if step else None,
            "options": options,
            "lang": lang,
            "municipality": municipality,
        }
        failed = False
        for result in read_batch(_open_lines(batch), defaults):
            failed = failed or "error" in result
            typer.echo(json.dumps(result, ensure_ascii=False))
        if failed:
            raise typer.Exit(1)
        return
    assert text is not None
    if step is not None:
        reading = read_at_step(
            text,
            step,
            today=today(),
            options=options,
            lang=lang,
            target_municipality=municipality,
        )
        typer.echo(json.dumps(reading.as_dict(), ensure_ascii=False))
        return
    if expect is None:
        raise typer.BadParameter("--step or --expect is needed with a TEXT", param_hint="--step")
    reading = read_reply(text, expect, options=options, lang=lang)
    typer.echo(json.dumps(reading.as_dict(), ensure_ascii=False))
