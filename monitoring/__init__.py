"""The read side: the recruitment funnel, the evaluation's tables, suppression and a report."""

from monitoring.funnel import FUNNEL_STEPS, Funnel, compute_funnel
from monitoring.html import render_report
from monitoring.suppression import (
    HIDDEN,
    THRESHOLD,
    suppress,
    suppress_count,
    suppress_part,
    with_totals,
)
from monitoring.tables import (
    AGE_BANDS,
    EDUCATION_GROUPS,
    AgeBand,
    EducationGroup,
    EvaluationTables,
    evaluation_tables,
)

__all__ = [
    "AGE_BANDS",
    "EDUCATION_GROUPS",
    "FUNNEL_STEPS",
    "HIDDEN",
    "THRESHOLD",
    "AgeBand",
    "EducationGroup",
    "EvaluationTables",
    "Funnel",
    "compute_funnel",
    "evaluation_tables",
    "render_report",
    "suppress",
    "suppress_count",
    "suppress_part",
    "with_totals",
]
