"""Every CSV the project writes keeps a citizen's text from running as a formula."""

from __future__ import annotations

import pytest

from monitoring.exports import spreadsheet_safe


class TestSpreadsheetSafe:
    @pytest.mark.parametrize(
        "text", ['=HYPERLINK("http://x","JA")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    )
    def test_a_formula_is_quoted(self, text: str) -> None:
        assert spreadsheet_safe(text) == "'" + text

    @pytest.mark.parametrize("value", ["JA", "Roskilde", "", 5, -3, None])
    def test_other_values_stay(self, value: object) -> None:
        assert spreadsheet_safe(value) == value
