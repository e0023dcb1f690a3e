"""One self-contained HTML page for evaluators: the funnel and the evaluation's tables."""

from __future__ import annotations

from datetime import datetime
from html import escape

from core.calendar import local as to_local
from monitoring.funnel import FUNNEL_STEPS, Funnel
from monitoring.suppression import HIDDEN, suppress, suppress_count, suppress_part
from monitoring.tables import AGE_BANDS, EDUCATION_GROUPS, EvaluationTables

_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
STEP_LABELS = {
    "invited": "Inviteret (sms afsendt)",
    "delivered": "Sms leveret",
    "replied": "Har svaret",
    "screened_in": "I målgruppen efter screening",
    "booked": "Har booket en sundhedssamtale",
    "attended": "Mødt til sundhedssamtalen",
    "referred": "Henvist til et tilbud",
    "followed_up": "Fulgt op efter en måned",
    "opted_out": "Har frameldt sig (STOP)",
}
_NOTE = (
    f"Celler med færre end 5 personer vises som {HIDDEN}, og det samme gælder celler, som ellers "
    "ville gøre det muligt at regne en skjult værdi ud fra totalerne. 0 vises som 0. Andele "
    "vises kun, når både tæller og nævner kan vises."
)
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933;
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #d9e2ec; }
.meta, .note { color: #52606d; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { padding: 0.35rem 0.75rem; border-bottom: 1px solid #e4e7eb; }
th { text-align: left; font-weight: 600; }
thead th { background: #f0f4f8; }
td { text-align: right; }
tr.total th, tr.total td { font-weight: 600; background: #f8fafc; }
"""


def render_report(
    *, funnel: Funnel, tables: EvaluationTables, title: str, generated_at: datetime
) -> str:
    """Render the funnel and the suppressed evaluation tables as one HTML5 page."""
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    shown = suppress(counts=tables.matrix())
    body = "\n".join(
        [
            f"<h1>{escape(title)}</h1>",
            f'<p class="meta">{escape(_scope(tables))}. '
            f"Dannet {escape(_danish_time(generated_at))}.</p>",
            "<h2>Rekruttering</h2>",
            _funnel_table(funnel),
            "<h2>Sundhedstjek efter alder og uddannelse</h2>",
            _cross_table(shown),
            "<h2>Henvisninger og aftaler</h2>",
            _outcome_table(tables, total_shown=shown[-1][-1]),
            f'<p class="note">{escape(_NOTE)}</p>',
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _scope(tables: EvaluationTables) -> str:
    """Describe which municipality and campaign the tables cover."""
    where = f"Kommune {tables.municipality_code}" if tables.municipality_code else "Alle kommuner"
    which = f"kampagne {tables.campaign_id}" if tables.campaign_id is not None else "alle kampagner"
    return f"{where}, {which}"


def _danish_time(moment: datetime) -> str:
    """Format a moment as Copenhagen wall-clock time, the Danish way."""
    local = to_local(moment)
    return f"{local.day}. {_MONTHS[local.month - 1]} {local.year} kl. {local:%H.%M}"


def _percent(numerator: int, denominator: int, *, denominator_shown: str | None = None) -> str:
    """Format a share in Danish, or a dash when either count is hidden or nothing to divide."""
    if denominator_shown is None:
        denominator_shown = suppress_count(count=denominator)
    if HIDDEN in (suppress_count(count=numerator), denominator_shown) or denominator == 0:
        return "–"
    return f"{numerator / denominator * 100:.1f} %".replace(".", ",")


def _funnel_table(funnel: Funnel) -> str:
    """Render the funnel: each step's count and its share of the step before."""
    counts = funnel.as_dict()
    rows = []
    previous: int | None = None
    for step in FUNNEL_STEPS:
        share = "–" if previous is None else _percent(counts[step], previous)
        rows.append(_row(STEP_LABELS[step], [suppress_count(count=counts[step]), share]))
        previous = counts[step]
    rows.append(_row(STEP_LABELS["opted_out"], [suppress_count(count=funnel.opted_out), "–"]))
    head = _row("Trin", ["Antal", "Andel af forrige trin"], header=True)
    return _table(head, rows)


def _cross_table(shown: list[list[str]]) -> str:
    """Render the suppressed age × education table with its totals."""
    labels = [band.label for band in AGE_BANDS]
    rows = [_row(label, cells) for label, cells in zip(labels, shown, strict=False)]
    rows.append(_row("I alt", shown[-1], css="total"))
    headings = [group.label for group in EDUCATION_GROUPS] + ["I alt"]
    head = _row("Alder \\ uddannelse", headings, header=True)
    return _table(head, rows)


def _outcome_table(tables: EvaluationTables, *, total_shown: str) -> str:
    """Render referrals, GP advice and further courses against the number of health checks."""
    # The total is shown as the cross table shows it: it may be hidden there to protect a cell.
    outcomes = [
        ("Henvist til kommunale tilbud", tables.referred_municipal),
        ("Henvist til ikke-kommunale tilbud", tables.referred_non_municipal),
        ("Råd om at kontakte egen læge", tables.gp_advice),
        ("Aftalt videre forløb", tables.further_course),
    ]
    rows = []
    for label, count in outcomes:
        # A count is hidden when the rest of the total is small, too: 8 of 10 tells 2 were not.
        shown = suppress_part(count=count, total=tables.total)
        share = (
            "–" if shown == HIDDEN else _percent(count, tables.total, denominator_shown=total_shown)
        )
        rows.append(_row(label, [shown, share]))
    rows.append(_row("Sundhedstjek i alt", [total_shown, ""], css="total"))
    head = _row("", ["Antal", "Andel af sundhedstjek"], header=True)
    return _table(head, rows)


def _row(label: str, cells: list[str], *, header: bool = False, css: str = "") -> str:
    """Render one table row; the label is a row heading, every text escaped."""
    cell_tag = '<th scope="col">' if header else "<td>"
    end_tag = "</th>" if header else "</td>"
    inner = "".join(f"{cell_tag}{escape(cell)}{end_tag}" for cell in cells)
    attribute = f' class="{escape(css)}"' if css else ""
    scope = "col" if header else "row"
    return f'<tr{attribute}><th scope="{scope}">{escape(label)}</th>{inner}</tr>'


def _table(head: str, rows: list[str]) -> str:
    """Wrap a heading row and body rows in a table."""
    body = "\n".join(rows)
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"
