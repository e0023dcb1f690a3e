"""How `recruitbot campaign` shows campaigns, previews and funnels: rich tables, or JSON."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from outreach.schemas import CampaignPublic, PreviewPublic

REASON_LABELS = {
    "other_municipality": "lives in another municipality",
    "no_birth_date": "no birth date",
    "age_band": "outside the age band on the send date",
    "opted_out": "opted out",
    "booked": "holds a booking (or had a health check)",
    "in_conversation": "in an open conversation",
    "recently_invited": "invited recently, or queued by another campaign",
}


def print_campaign(campaign: CampaignPublic, *, as_json: bool, console: Console) -> None:
    """Show one campaign."""
    if as_json:
        typer.echo(campaign.model_dump_json(indent=2))
        return
    table = Table(title=f"Campaign {campaign.id}: {campaign.name}", show_header=False)
    table.add_column("field")
    table.add_column("value")
    blackouts = ", ".join(f"{b.first_day}:{b.last_day}" for b in campaign.blackouts)
    rows = {
        "status": campaign.status,
        "municipality": f"{campaign.municipality.name} ({campaign.municipality.code})",
        "partners": ", ".join(campaign.partners),
        "sender": campaign.sender,
        "channel": campaign.channel,
        "age band": f"{campaign.age_min}-{campaign.age_max}",
        "education first": ", ".join(campaign.education_priority) or "-",
        "window": f"{campaign.window_start_hour:02d}-{campaign.window_end_hour:02d}",
        "blackouts": blackouts or "-",
        "pace": f"at most {campaign.daily_limit} a day"
        + (
            f", paced by free slots (prior {campaign.booking_rate_prior})" if campaign.paced else ""
        ),
        "Danish template": campaign.template_da or "(the flow's invitation)",
        "English template": campaign.template_en or "(the flow's invitation)",
        "starts": campaign.starts_at.isoformat() if campaign.starts_at else "at launch",
        "last day": campaign.ends_on.isoformat() if campaign.ends_on else "until the list is used",
        "invitations": ", ".join(f"{k} {v}" for k, v in sorted(campaign.invitations.items()))
        or "-",
    }
    for variant in campaign.variants:
        stopped = f", stopped {variant.stopped_at:%Y-%m-%d}" if variant.stopped_at else ""
        text = variant.template_da or campaign.template_da or "(the flow's invitation)"
        rows[f"variant {variant.key}"] = f"{variant.label or '-'}{stopped}: {text}"
    for field, value in rows.items():
        table.add_row(field, value)
    console.print(table)


def print_campaigns(campaigns: list[CampaignPublic], *, as_json: bool, console: Console) -> None:
    """List campaigns."""
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in campaigns], indent=2))
        return
    table = Table("id", "name", "status", "municipality", "partners", "invitations")
    for c in campaigns:
        done = c.invitations.get("done", 0)
        total = sum(c.invitations.values())
        table.add_row(
            str(c.id),
            c.name,
            c.status,
            c.municipality.name,
            ", ".join(c.partners),
            f"{done}/{total}" if total else "-",
        )
    console.print(table)


def print_preview(result: PreviewPublic, *, as_json: bool, console: Console) -> None:
    """Show a preview: counts that add up, templates, sample messages, warnings."""
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    counts = Table(
        title=f"Who campaign {result.campaign_id} reaches (send date {result.send_date})"
    )
    counts.add_column("")
    counts.add_column("people", justify="right")
    counts.add_row("[bold]targeted[/bold]", str(result.targeted))
    if result.priority_targeted:
        counts.add_row("  of them in the priority education groups", str(result.priority_targeted))
    for reason, count in result.not_targeted.items():
        counts.add_row(f"not: {REASON_LABELS.get(reason, reason)}", str(count))
    counts.add_row("[bold]on the partners' lists[/bold]", str(result.list_size))
    console.print(counts)
    texts = Table("invitation", "encoding", "segments", "recipients", "cost (DKK)")
    for t in result.templates:
        source = "campaign" if t.source == "campaign" else "flow default"
        segments = str(t.max_segments) if t.max_segments > t.segments else str(t.segments)
        texts.add_row(
            f"{t.language} ({source})",
            t.encoding,
            segments,
            str(t.recipients),
            f"{t.cost_dkk:.2f}",
        )
    console.print(texts)
    console.print(
        f"Estimated cost: {result.cost_dkk:.2f} DKK at {result.price_per_segment_dkk} DKK a "
        f"segment. Free slots in the pacing horizon: {result.free_slots}. Planned sending: "
        f"{result.planned_first_day or '-'} to {result.planned_last_day or 'unknown'}."
    )
    verdict = "within both" if result.within_caps else "[red]over: launch will be refused[/red]"
    console.print(
        f"Caps for one campaign: {result.max_recipients:,} people, {result.max_cost_dkk:,.2f} "
        f"DKK; this one is {verdict}."
    )
    for sample in result.sample:
        console.print(f"[dim]{sample.contact} ({sample.language}):[/dim] {sample.text}")
    for variant in result.variants:
        cost = f"{variant.expected_cost_dkk:.2f} DKK"
        console.print(
            f"[bold]Variant {variant.key}[/bold] {variant.label}: about "
            f"{variant.expected_recipients:g} people, {cost}; segments "
            + ", ".join(f"{t.language} {t.max_segments}" for t in variant.templates)
        )
        for sample in variant.sample:
            console.print(f"  [dim]{sample.contact} ({sample.language}):[/dim] {sample.text}")
    for warning in result.warnings:
        console.print(f"[yellow]Warning:[/yellow] {warning}")


def print_funnel(
    campaign_id: int, counts: dict[str, int], *, as_json: bool, console: Console
) -> None:
    """Show a campaign's funnel."""
    if as_json:
        typer.echo(json.dumps({"campaign_id": campaign_id, "counts": counts}))
        return
    table = Table(title=f"Funnel of campaign {campaign_id}")
    table.add_column("step")
    table.add_column("people", justify="right")
    for step, count in counts.items():
        table.add_row(step.replace("_", " "), str(count))
    console.print(table)
