"""The reading measured on the project's own labelled corpus of replies (issue 15)."""

from __future__ import annotations

from pathlib import Path

from recruitbot.cli.evaluate import evaluate

CORPUS = Path(__file__).parent / "corpus" / "replies.jsonl"


class TestCorpus:
    def lines(self) -> list[str]:
        return CORPUS.read_text(encoding="utf-8").splitlines()

    def test_the_corpus_is_several_hundred_replies_with_a_held_out_part(self) -> None:
        assert evaluate(self.lines()).total >= 300
        assert evaluate(self.lines(), split="held_out").total >= 100

    def test_held_out_targets(self) -> None:
        figures = evaluate(self.lines(), split="held_out").figures()
        assert figures["opt_out_recall"] >= 0.99
        assert figures["false_opt_out_rate"] <= 0.01
        assert figures["wrong_slots"] == 0
        assert figures["accuracy"] >= 0.95

    def test_tuned_part_reads_as_labelled(self) -> None:
        report = evaluate(self.lines(), split="tuned")
        assert report.misses == []
