"""`recruitbot parse-reply`: what the engine understands, as JSON, one reply or a batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recruitbot.cli import app

runner = CliRunner()


def parse(*args: str, stdin: str | None = None) -> tuple[int, list[object]]:
    result = runner.invoke(app, ["parse-reply", *args], input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines


class TestOneReply:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (["Ja tak 👍", "--expect", "yes_no"], {"intent": "yes"}),
            (["nej tak", "--expect", "yes_no"], {"intent": "no"}),
            (["ja nej", "--expect", "yes_no"], {"intent": "unknown"}),
            (["STOP", "--expect", "choice"], {"intent": "stop"}),
            (
                ["den anden", "--expect", "choice", "--options", "3"],
                {"intent": "choice", "value": 2},
            ),
            (["4", "--expect", "choice", "--options", "3"], {"intent": "unknown"}),
            (["two", "--expect", "choice", "--lang", "en"], {"intent": "choice", "value": 2}),
            (["Dårligt", "--expect", "scale"], {"intent": "choice", "value": 5}),
            (["1 og 3", "--expect", "multi"], {"intent": "choices", "value": [1, 3]}),
            (["ingen", "--expect", "multi"], {"intent": "choices", "value": []}),
            (["ENGLISH", "--expect", "yes_no"], {"intent": "language", "value": "en"}),
            (["flyt", "--expect", "yes_no"], {"intent": "reschedule"}),
        ],
    )
    def test_prints_the_reading(self, args: list[str], expected: dict[str, object]) -> None:
        code, lines = parse(*args)
        assert code == 0
        assert lines == [expected]

    def test_the_json_keeps_danish_letters(self) -> None:
        result = runner.invoke(app, ["parse-reply", "dansk", "--expect", "yes_no"])
        assert result.stdout.strip() == '{"intent": "language", "value": "da"}'

    @pytest.mark.parametrize(
        "args",
        [
            ["ja"],  # no --expect
            [],  # neither TEXT nor --batch
            ["ja", "--expect", "maybe"],
            ["ja", "--expect", "yes_no", "--lang", "fr"],
            ["2", "--expect", "choice", "--options", "0"],
        ],
    )
    def test_usage_errors_are_clear(self, args: list[str]) -> None:
        result = runner.invoke(app, ["parse-reply", *args])
        assert result.exit_code == 2
        assert "Traceback" not in result.output


class TestBatch:
    def test_one_result_per_line_and_bad_lines_say_why(self, tmp_path: Path) -> None:
        batch = tmp_path / "replies.jsonl"
        batch.write_text(
            "\n".join(
                [
                    '{"text": "Ja tak", "expect": "yes_no"}',
                    '{"text": "nr. 2", "expect": "choice", "options": 3, "lang": "da"}',
                    "not json",
                    '{"text": "to", "expect": "choice", "options": 3, "lang": "en"}',
                    '{"text": "x", "expect": "maybe"}',
                    "",
                    '{"text": "1,3", "expect": "multi"}',
                    '{"text": 3, "expect": "scale"}',
                    '{"text": "2", "expect": "choice", "options": "3"}',
                    '{"text": "2", "expect": "scale", "lang": "de"}',
                    '["ja"]',
                    '{"text": "ja"}',
                    '{"text": "vaeldig godt", "expect": "scale", "options": null}',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        code, lines = parse("--batch", str(batch))
        assert code == 1  # some lines were bad
        assert lines == [
            {"intent": "yes"},
            {"intent": "choice", "value": 2},
            {"line": 3, "error": "invalid JSON: Expecting value"},
            {"intent": "unknown"},
            {"line": 5, "error": "expect must be one of yes_no, choice, scale, multi, not 'maybe'"},
            {"line": 6, "error": "empty line"},
            {"intent": "choices", "value": [1, 3]},
            {"line": 8, "error": "text must be a string"},
            {"line": 9, "error": "options must be a whole number of 1 or more, not '3'"},
            {"line": 10, "error": "lang must be 'da' or 'en', not 'de'"},
            {"line": 11, "error": "each line must be a JSON object with text and expect"},
            {"line": 12, "error": "step or expect is missing"},
            {"intent": "choice", "value": 2},
        ]

    def test_a_good_batch_exits_zero(self, tmp_path: Path) -> None:
        batch = tmp_path / "replies.jsonl"
        batch.write_text('{"text": "flere", "expect": "choice"}\n', encoding="utf-8")
        assert parse("--batch", str(batch)) == (0, [{"intent": "more"}])

    def test_options_on_the_command_line_are_defaults_for_the_lines(self, tmp_path: Path) -> None:
        batch = tmp_path / "replies.jsonl"
        batch.write_text('{"text": "5"}\n{"text": "5", "options": 4}\n', encoding="utf-8")
        code, lines = parse("--batch", str(batch), "--expect", "choice", "--options", "6")
        assert (code, lines) == (0, [{"intent": "choice", "value": 5}, {"intent": "unknown"}])

    def test_reads_stdin(self) -> None:
        code, lines = parse("--batch", "-", stdin='{"text": "aflys", "expect": "choice"}\n')
        assert (code, lines) == (0, [{"intent": "cancel"}])

    def test_bytes_that_are_not_utf8_spoil_only_their_line(self, tmp_path: Path) -> None:
        batch = tmp_path / "replies.jsonl"
        batch.write_bytes(
            b'{"text": "ja \xff", "expect": "yes_no"}\n{"text": "nej", "expect": "yes_no"}\n'
        )
        assert parse("--batch", str(batch)) == (0, [{"intent": "yes"}, {"intent": "no"}])

    def test_a_missing_file_is_a_usage_error(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["parse-reply", "--batch", str(tmp_path / "nope.jsonl")])
        assert result.exit_code == 2
        assert "no such file" in result.output

    def test_text_and_batch_together_is_a_usage_error(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["parse-reply", "ja", "--batch", str(tmp_path / "x")])
        assert result.exit_code == 2


class TestParseReplyAtStep:
    def test_a_two_digit_birth_year_at_the_age_step(self) -> None:
        from recruitbot.cli.parse import read_line

        assert read_line('{"text": "født 71", "step": "age"}', {}) == {
            "intent": "birth_year",
            "value": 1971,
        }

    def test_afmeld_tiden_when_booked_cancels(self) -> None:
        from recruitbot.cli.parse import read_line

        assert read_line('{"text": "afmeld tiden", "step": "booked"}', {}) == {"intent": "cancel"}

    def test_a_stop_anywhere_at_any_step(self) -> None:
        from recruitbot.cli.parse import read_line

        for step in ("invited", "health", "choosing_slot", "closed"):
            line = json.dumps({"text": "Nej tak. Slet venligst mine oplysninger", "step": step})
            assert read_line(line, {}) == {"intent": "stop"}

    def test_a_wish_at_the_offer_and_a_conditional_yes(self) -> None:
        assert parse("har I noget om eftermiddagen?", "--step", "choosing_slot") == (
            0,
            [{"intent": "wish", "wish": {"after": "12:00"}}],
        )
        assert parse("ja men ikke tirsdag", "--step", "invited") == (
            0,
            [{"intent": "yes", "wish": {"not_weekdays": [1]}}],
        )

    def test_the_municipality_step_compares_as_the_engine(self) -> None:
        from recruitbot.cli.parse import read_batch, read_line

        assert parse("Jeg bor i Køge", "--step", "municipality") == (
            0,
            [{"intent": "municipality", "value": "Jeg bor i Køge"}],
        )
        assert parse("ja", "--step", "municipality") == (0, [{"intent": "unknown"}])
        # With the campaign's municipality, a longer reply naming it is a name too.
        line = '{"text": "nok Roskilde tror jeg nok", "step": "municipality"}'
        assert read_line(line, {})["intent"] == "unknown"
        assert read_line(line, {"municipality": "Roskilde"})["intent"] == "municipality"
        bad = '{"text": "Roskilde", "step": "municipality", "municipality": 3}'
        assert "error" in next(read_batch([bad], {}))
