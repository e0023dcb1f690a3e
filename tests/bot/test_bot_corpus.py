"""The reading measured on the project's own labelled corpus of replies (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recruitbot.cli.evaluate import evaluate, print_report

CORPUS = Path(__file__).parent / "corpus" / "replies.jsonl"


class TestCorpus:
    def lines(self) -> list[str]:
        return CORPUS.read_text(encoding="utf-8").splitlines()

    def test_the_corpus_is_several_hundred_replies_with_a_held_out_part(self) -> None:
        assert evaluate(self.lines()).total >= 300
        assert evaluate(self.lines(), split="held_out").total >= 100
        # The second held-out batch, written before the reader was run on it.
        assert evaluate(self.lines(), split="held_out", batch="b2").total >= 60

    @pytest.mark.parametrize("batch", [None, "b1", "b2"])
    def test_held_out_targets(self, batch: str | None) -> None:
        figures = evaluate(self.lines(), split="held_out", batch=batch).figures()
        assert figures["opt_out_recall"] >= 0.99
        assert figures["false_opt_out_rate"] <= 0.01
        assert figures["wrong_slots"] == 0
        assert figures["accuracy"] >= 0.95

    def test_tuned_part_reads_as_labelled(self) -> None:
        report = evaluate(self.lines(), split="tuned")
        assert report.misses == []

    def test_every_line_is_well_formed(self) -> None:
        for raw in self.lines():
            line = json.loads(raw)
            assert line["split"] in ("tuned", "held_out"), raw
            assert line["lang"] in ("da", "en"), raw
            assert line.get("batch", "b1") in ("b1", "b2"), raw
            assert line["split"] == "held_out" or "batch" not in line, raw

    def test_the_report_names_each_held_out_batch(self, capsys: pytest.CaptureFixture[str]) -> None:
        print_report(self.lines())
        shown = capsys.readouterr().out
        assert "== held_out b1:" in shown
        assert "== held_out b2:" in shown
