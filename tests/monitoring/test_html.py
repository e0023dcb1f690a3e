"""The evaluators' HTML report."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from monitoring import EvaluationTables, Funnel, render_report

GENERATED = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
VOID = {"meta", "br", "hr", "img", "link", "input"}


class Page(HTMLParser):
    """Collect a page's tags, attributes and cell texts; check that every tag is closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.open and self.open[-1] in {"td", "th"}:
            self.cells.append(data)


def _parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    return parser


def _funnel(**changes: int) -> Funnel:
    counts = {
        "invited": 200,
        "delivered": 150,
        "replied": 60,
        "screened_in": 40,
        "booked": 30,
        "attended": 24,
        "referred": 12,
        "followed_up": 3,
        "opted_out": 7,
    }
    return Funnel(**(counts | changes))


def _tables(*, cells: tuple[tuple[int, ...], ...] | None = None) -> EvaluationTables:
    return EvaluationTables(
        municipality_code="265",
        campaign_id=None,
        cells=cells
        or (
            (2, 10, 6, 0, 0),
            (8, 30, 12, 0, 0),
            (0, 5, 5, 0, 0),
            (0, 0, 0, 0, 0),
        ),
        referred_municipal=40,
        referred_non_municipal=3,
        gp_advice=20,
        further_course=15,
    )


def _render(*, title: str = "Sundhedstjek i Roskilde") -> str:
    return render_report(funnel=_funnel(), tables=_tables(), title=title, generated_at=GENERATED)


class TestRenderReport:
    def test_is_one_well_formed_html5_page_in_danish(self) -> None:
        page = _render()
        parsed = _parse(page)
        assert parsed.doctype.lower() == "doctype html"
        assert '<html lang="da">' in page
        assert '<meta charset="utf-8">' in page

    def test_is_self_contained(self) -> None:
        parsed = _parse(_render())
        assert "script" not in parsed.tags
        assert {"link", "img", "iframe"}.isdisjoint(parsed.tags)
        assert not [name for name, _ in parsed.attributes if name in {"src", "href", "style"}]
        assert "url(" not in _render()

    def test_escapes_a_malicious_title(self) -> None:
        evil = 'FOA <script>alert("x")</script> & "3F" <img src=x onerror=alert(1)>'
        page = _render(title=evil)
        assert "<script>" not in page
        assert "<img" not in page
        assert "&lt;script&gt;" in page
        parsed = _parse(page)
        assert "script" not in parsed.tags
        assert evil in parsed.text

    def test_hides_small_cells(self) -> None:
        parsed = _parse(_render())
        assert "<5" in parsed.cells
        assert "2" not in parsed.cells  # the two aged 17–39 with only grundskole
        assert "3" not in parsed.cells  # three referred outside the municipality; followed up

    def test_hides_an_outcome_whose_rest_is_small(self) -> None:
        # 76 of the 78 referred says that 2 were not: both the 76 and its share are hidden.
        tables = dataclasses.replace(_tables(), referred_municipal=76)
        page = render_report(funnel=_funnel(), tables=tables, title="T", generated_at=GENERATED)
        cells = _parse(page).cells
        row = cells.index("Henvist til kommunale tilbud")
        assert cells[row + 1 : row + 3] == ["<5", "–"]

    def test_shows_zero_as_zero(self) -> None:
        assert "0" in _parse(_render()).cells

    def test_explains_the_mark_in_danish(self) -> None:
        text = " ".join(_parse(_render()).text)
        assert "Celler med færre end 5 personer vises som <5" in text

    def test_shows_conversion_percentages(self) -> None:
        cells = _parse(_render()).cells
        assert "75,0 %" in cells  # 150 of 200 delivered
        assert "40,0 %" in cells  # 60 of 150 replied

    def test_hides_a_percentage_that_would_reveal_a_small_count(self) -> None:
        cells = _parse(_render()).cells
        assert "12,5 %" not in cells  # 3 of 24 followed up
        assert "25,0 %" not in cells  # 3 of 12

    def test_headings_by_age_band_and_education(self) -> None:
        cells = _parse(_render()).cells
        for heading in ("40–60 år", "61+ år", "Grundskole", "Kort uddannelse", "Uoplyst", "I alt"):
            assert heading in cells

    def test_time_is_copenhagen_time(self) -> None:
        summer = _render()  # 10:00 UTC is 12:00 in Danish summer time
        assert "1. juli 2026 kl. 12.00" in summer
        winter = render_report(
            funnel=_funnel(),
            tables=_tables(),
            title="t",
            generated_at=datetime(2026, 1, 15, 10, 0, tzinfo=UTC),
        )
        assert "15. januar 2026 kl. 11.00" in winter

    def test_naive_time_is_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            render_report(
                funnel=_funnel(),
                tables=_tables(),
                title="t",
                generated_at=datetime(2026, 1, 15, 10, 0),
            )

    def test_empty_report_renders(self) -> None:
        empty = EvaluationTables(
            municipality_code=None,
            campaign_id=None,
            cells=tuple((0,) * 5 for _ in range(4)),
            referred_municipal=0,
            referred_non_municipal=0,
            gp_advice=0,
            further_course=0,
        )
        page = render_report(
            funnel=Funnel(*[0] * 9), tables=empty, title="Ingen data endnu", generated_at=GENERATED
        )
        parsed = _parse(page)
        assert "<5" not in parsed.cells
        assert "%" not in "".join(parsed.cells)
        assert "Alle kommuner, alle kampagner" in " ".join(parsed.text)
