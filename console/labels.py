"""The console's Danish words for the service's statuses, reasons and fields."""

from __future__ import annotations

from core.principal import Role
from monitoring.html import STEP_LABELS
from monitoring.tables import AGE_BANDS, EDUCATION_GROUPS

ROLES = {
    Role.COORDINATOR: "Koordinator",
    Role.STAFF: "Sundhedsmedarbejder",
    Role.EVALUATOR: "Evaluator",
}
CAMPAIGN_STATUS = {
    "draft": "Kladde",
    "scheduled": "Planlagt",
    "running": "I gang",
    "paused": "På pause",
    "completed": "Afsluttet",
    "cancelled": "Stoppet",
}
INVITATION_STATUS = {
    "pending": "Venter på sin tur",
    "scheduled": "Klar til afsendelse",
    "done": "Sendt",
    "skipped": "Sprunget over",
    "cancelled": "Annulleret",
}
BOOKING_STATUS = {
    "booked": "Booket",
    "attended": "Mødt",
    "no_show": "Udeblevet",
    "cancelled": "Aflyst",
    "moved": "Flyttet",
}
# Why a member of the list is not invited (outreach.targeting.REASONS).
NOT_TARGETED = {
    "other_municipality": "Bor i en anden kommune",
    "no_birth_date": "Mangler fødselsdato",
    "age_band": "Uden for aldersgruppen",
    "opted_out": "Har frameldt sig",
    "booked": "Har allerede en tid",
    "in_conversation": "Er allerede i en samtale",
    "recently_invited": "Inviteret for nylig",
}
CHANNELS = {
    "twilio": "Sms (Twilio)",
    "console": "Konsol (test: intet sendes)",
    "telegram": "Telegram",
}
LANGUAGES = {"da": "Dansk", "en": "Engelsk"}
TEMPLATE_SOURCE = {"campaign": "Kampagnens tekst", "default": "Standardinvitationen"}
STEPS = STEP_LABELS
AGE_BAND_LABELS = {band.value: band.label for band in AGE_BANDS} | {"total": "I alt"}
EDUCATION_LABELS = {group.value: group.label for group in EDUCATION_GROUPS} | {"total": "I alt"}
OUTCOME_LABELS = {
    "health_checks": "Sundhedstjek i alt",
    "referred_municipal": "Henvist til kommunale tilbud",
    "referred_non_municipal": "Henvist til ikke-kommunale tilbud",
    "gp_advice": "Råd om at kontakte egen læge",
    "further_course": "Aftalt videre forløb",
}
# What a page says after it was sent back from a form (?done=...).
DONE = {
    "created": "Kampagnen er oprettet som kladde. Se forhåndsvisningen, før du sætter den i gang.",
    "updated": "Ændringerne er gemt.",
    "launched": "Kampagnen er sat i gang. Invitationerne sendes i hverdagene inden for "
    "sendevinduet.",
    "paused": "Kampagnen er sat på pause. Samtaler, der er i gang, fortsætter.",
    "resumed": "Kampagnen er genoptaget.",
    "changed": "Ændringerne er gemt og gælder fra næste udsendelse.",
    "unchanged": "Intet er ændret: du gemte de samme værdier.",
    "blackouts": "Dagene uden udsendelse er gemt.",
    "slots": "Tiderne er oprettet.",
    "cancelled": "Kampagnen er stoppet. Invitationer, der ikke var sendt, er annulleret.",
    "variant_stopped": "Varianten er stoppet. Invitationer, der ikke var sendt, får nu de "
    "andre varianter.",
    "outcome": "Udfaldet er gemt.",
    "outcome_corrected": "Udfaldet er rettet. Rettelsen og begrundelsen står i loggen.",
    "booking_cancelled": "Tiden er aflyst. Borgeren har fået besked og tilbud om en ny tid.",
}
# What the plan of coming messages says is sent (conversation.schedule.Planned.kind).
SCHEDULE_KINDS = {
    "invitation": "Invitationer",
    "reminder: invitation_reminder": "Påmindelser om invitationen",
    "reminder: booking_reminder": "Påmindelser om tiden dagen før",
    "reminder: follow_up_nudge": "Opfølgning, spurgt igen",
    "reminder: follow_up_no_answer": "Besked til personalet: intet svar på opfølgningen",
    "reminder: waitlist_ask": "Tilbud om plads på ventelisten",
    "follow-up": "Opfølgning efter en måned",
    "message: invitation": "Invitationer (i udbakken)",
    "message: invitation_reminder": "Påmindelser om invitationen (i udbakken)",
    "message: reminder": "Påmindelser om tiden (i udbakken)",
    "message: follow_up": "Opfølgninger (i udbakken)",
    "message: rebook_offer": "Tilbud om en ny tid (i udbakken)",
    "message: slot_offer": "Forslag til tider (i udbakken)",
    "message: cancellation": "Besked om aflyst tid (i udbakken)",
    "message: booking_moved": "Besked om flyttet tid (i udbakken)",
}
SCHEDULE_OTHER_KIND = "Andre beskeder i udbakken"
# Why something is sent later than it is due, or not at all (conversation.schedule.Hold).
SCHEDULE_HELD = {
    "hours": "uden for sendetiden (kl. {start:02d}–{end:02d})",
    "weekend": "weekend",
    "holiday": "helligdag ({name})",
    "closed_day": "ikke en hverdag",
    "blackout": "kampagnens dage uden udsendelse",
    "daily_limit": "højst {limit} invitationer pr. dag",
    "pacing": "ikke flere om dagen, end de ledige tider kan tage",
    "no_room": "ingen plads i de ledige tider: venter på nye tider eller svar",
    "ended": "efter sidste udsendelsesdag ({day}): sendes ikke",
    "paused": "kampagnen er sat på pause",
    "starts": "kampagnen begynder {day}",
}
