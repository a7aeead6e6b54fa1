"""Canonical fields per data kind, and matching a file's own column names onto them.

Headers are normalised (case, spaces, punctuation, accents, camelCase → snake_case) and matched
first against exact aliases, then against word patterns ("any header containing *recommend*",
in the languages CX teams export in). Users can override any field (SPEC §3).
"""

from __future__ import annotations

import re
import unicodedata

# Field → value type, per kind (SPEC §2). Order is the order of columns in reports.
FIELDS: dict[str, dict[str, str]] = {
    "survey": {
        "response_id": "id",
        "responded_at": "date",
        "score": "score",
        "customer_id": "text",
        "interaction_id": "text",
        "channel": "text",
        "touchpoint": "text",
        "department": "text",
        "region": "text",
        "product": "text",
        "comment": "text",
        "wave": "text",
    },
    "transactional": {
        "interaction_id": "id",
        "occurred_at": "date",
        "customer_id": "text",
        "channel": "text",
        "department": "text",
        "region": "text",
        "handle_time_min": "number",
        "wait_time_min": "number",
        "first_contact_resolution": "bool",
        "escalated": "bool",
        "delivery_delay_days": "number",
        "order_value": "number",
    },
    "relationship": {
        "response_id": "id",
        "responded_at": "date",
        "customer_id": "text",
        "score": "score",
        "wave": "text",
        "segment": "text",
        "region": "text",
        "annual_revenue": "number",
        "comment": "text",
    },
    # A customer's outcome at a date (a CRM or billing snapshot): churned or not, revenue
    # per year. ``outcome_id`` is optional: without it a row's key is its customer and date.
    "outcomes": {
        "outcome_id": "id",
        "customer_id": "text",
        "observed_at": "date",
        "churned": "bool",
        "revenue": "number",
    },
}

REQUIRED = {
    "survey": ("responded_at", "score"),
    "transactional": ("interaction_id", "occurred_at"),
    "relationship": ("responded_at", "score"),
    "outcomes": ("customer_id", "observed_at"),
}


def date_field(kind: str) -> str:
    """The field that holds the date of a row of ``kind`` (``occurred_at``, ``responded_at``)."""
    return next(f for f, t in FIELDS[kind].items() if t == "date")


DESCRIPTIONS = {
    "response_id": "response id",
    "responded_at": "response date",
    "occurred_at": "interaction date",
    "score": "0–10 likelihood-to-recommend score",
    "interaction_id": "interaction id (ticket, call or order number)",
    "customer_id": "customer id",
    "observed_at": "date the outcome was observed",
    "churned": "whether the customer churned (yes/no)",
    "revenue": "revenue per year",
}

# Exact aliases (normalised), most preferred first.
ALIASES: dict[str, tuple[str, ...]] = {
    "response_id": (
        "response_id",
        "responseid",
        "respondent_id",
        "respondentid",
        "record_id",
        "submission_id",
        "survey_response_id",
        "response_number",
        "resp_id",
        "id",
    ),
    "responded_at": (
        "responded_at",
        "response_date",
        "submitted_at",
        "submission_date",
        "date_submitted",
        "submit_date",
        "submitted",
        "submitted_on",
        "survey_date",
        "completed_at",
        "completion_date",
        "recorded_date",
        "end_date",
        "date",
        "datetime",
        "date_time",
        "timestamp",
        "response_time",
        "created",
        "created_at",
        "created_date",
        "start_date",
        "fecha",
        "datum",
        "data",
    ),
    "occurred_at": (
        "occurred_at",
        "interaction_date",
        "contact_date",
        "call_date",
        "ticket_date",
        "order_date",
        "opened_at",
        "created_at",
        "created",
        "created_date",
        "date",
        "datetime",
        "date_time",
        "timestamp",
        "start_time",
        "start_date",
        "fecha",
        "datum",
        # ticket systems and CRMs
        "sys_created_on",
        "created_on",
        "created_time",
        "creation_date",
        "date_opened",
        "opened",
        "reported_at",
        "logged_at",
    ),
    "score": (
        "score",
        "nps",
        "ltr",
        "nps_score",
        "likelihood_to_recommend",
        "likely_to_recommend",
        "recommendation_score",
        "recommend_score",
        "nps_rating",
        "rating_nps",
        "nps_value",
        "net_promoter_score",
        "likelihood",
        "recommend",
    ),
    "interaction_id": (
        "interaction_id",
        "interactionid",
        "ticket_id",
        "ticketid",
        "case_id",
        "call_id",
        "order_id",
        "transaction_id",
        "contact_id",
        "ticket",
        "ticket_number",
        "case_number",
        "order_number",
        "interaction",
    ),
    "customer_id": (
        "customer_id",
        "customerid",
        "customer",
        "customer_number",
        "customer_no",
        "client_id",
        "account_id",
        "account_number",
        "account",
        "member_id",
        "external_reference",
        "externalreference",
        "external_data_reference",
        "cust_id",
        "kunden_id",
        "cliente_id",
    ),
    "channel": ("channel", "contact_channel", "service_channel", "canal", "kanal", "medium"),
    "touchpoint": (
        "touchpoint",
        "touch_point",
        "journey",
        "journey_stage",
        "interaction_type",
        "contact_reason",
        "reason_for_contact",
        "topic",
        "category",
        "case_type",
    ),
    "department": (
        "department",
        "dept",
        "owner_department",
        "team",
        "business_unit",
        "division",
        "abteilung",
        "departamento",
        "service_department",
    ),
    "region": ("region", "area", "territory", "market", "country", "zone", "state", "location"),
    "product": ("product", "product_name", "product_line", "plan", "service", "tariff"),
    "comment": (
        "comment",
        "comments",
        "verbatim",
        "feedback",
        "reason_for_score",
        "open_text",
        "remarks",
        "free_text",
        "comentario",
        "comentarios",
        "kommentar",
        "commentaire",
        "opmerking",
        "why",
    ),
    "wave": ("wave", "wave_label", "survey_wave", "quarter", "period"),
    "segment": ("segment", "customer_segment", "tier", "customer_type", "segmento"),
    "annual_revenue": ("annual_revenue", "revenue", "arr", "account_revenue", "annual_value"),
    "handle_time_min": (
        "handle_time_min",
        "handle_time",
        "handling_time",
        "aht",
        "talk_time",
        "handle_minutes",
    ),
    "wait_time_min": (
        "wait_time_min",
        "wait_time",
        "queue_time",
        "hold_time",
        "time_in_queue",
        "speed_of_answer",
        "asa",
        "wait_minutes",
    ),
    "first_contact_resolution": (
        "first_contact_resolution",
        "fcr",
        "first_call_resolution",
        "resolved_first_contact",
        "resolved_on_first_contact",
    ),
    "escalated": ("escalated", "escalation", "is_escalated"),
    "delivery_delay_days": ("delivery_delay_days", "delivery_delay", "days_late", "delay_days"),
    "order_value": ("order_value", "order_amount", "amount", "value"),
    # outcomes
    "outcome_id": ("outcome_id", "observation_id", "snapshot_id"),
    "observed_at": (
        "observed_at",
        "observation_date",
        "snapshot_date",
        "as_of",
        "as_of_date",
        "outcome_date",
        "renewal_date",
        "period_end",
        "date",
        "datetime",
        "timestamp",
        "fecha",
        "datum",
    ),
    "churned": (
        "churned",
        "churn",
        "is_churned",
        "has_churned",
        "churn_flag",
        "churned_flag",
        "lost",
        "cancelled",
        "canceled",
        "is_cancelled",
        "is_canceled",
        "customer_status",
        "account_status",
        "status",
    ),
    "revenue": (
        "revenue",
        "annual_revenue",
        "yearly_revenue",
        "revenue_per_year",
        "arr",
        "annual_value",
        "account_revenue",
        "revenue_year",
        "yearly_value",
    ),
}

# Aliases that mean a field only in one kind's files: a ticket system's or CRM's export names
# its id `number` or `sys_id` and its requester `caller_id`, words a survey export uses for
# other things (a survey's `number` is a question number, its `source` a referral).
KIND_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "transactional": {
        "interaction_id": (
            "number",
            "incident_number",
            "incident_id",
            "incident",
            "request_number",
            "request_id",
            "case",
            "sys_id",
            "id",
        ),
        "customer_id": (
            "caller_id",
            "caller",
            "requester_id",
            "requester",
            "requester_email",
            "requested_by",
            "requested_for",
            "reported_by",
            "contact_name",
            "contact_email",
            "account_name",
            "client",
        ),
        "channel": ("contact_type", "case_origin", "origin", "via", "source", "ticket_source"),
        "department": ("assignment_group", "support_group", "queue", "group"),
    },
}


def aliases_for(kind: str, field: str) -> tuple[str, ...]:
    """The exact aliases of ``field`` in files of ``kind``: the shared ones, then the kind's.

    >>> "number" in aliases_for("transactional", "interaction_id")
    True
    >>> "number" in aliases_for("survey", "interaction_id")
    False
    """
    return ALIASES.get(field, ()) + KIND_ALIASES.get(kind, {}).get(field, ())


# Word patterns searched in normalised headers and question texts, for fields still unmapped.
PATTERNS: dict[str, tuple[str, ...]] = {
    "score": (
        "recommend",
        "how_likely",
        "recomiend",
        "recomend",
        "recommand",
        "empfehl",
        "aanbevel",
        "raccomand",
        "consiglier",
        "nps",
    ),
    "comment": (
        "comment",
        "reason",
        "why",
        "feedback",
        "verbatim",
        "anything_else",
        "tell_us",
        "improve",
        "suggest",
    ),
    "responded_at": ("date", "time", "fecha", "datum"),
    "occurred_at": ("date", "time", "fecha", "datum"),
    "observed_at": ("date", "time", "fecha", "datum"),
}

# Computed columns that mention the score question but are not the score itself.
_NOT_SCORE = re.compile(r"(group|category|segment|class|type|text|label|topics?|sentiment)$")


def normalise(text: str) -> str:
    """Header → snake_case ASCII: ``"LikelyToRecommend"`` → ``"likely_to_recommend"``."""
    t = str(text).replace("\xa0", " ").strip()
    t = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", t)
    t = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", t)
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-zA-Z]+", "_", t).strip("_").lower()


# A zone after a date column's name ("Submit Date (UTC)") says how its times are written, not
# what the column is: the name is matched with and without it.
_ZONE_SUFFIX = re.compile(r"_(utc|gmt|z|local|local_time)$")
# A header that is only a number sign or its abbreviation numbers the rows: an id (Typeform's
# "#" is its response token), checked on its values like any other id.
_ROW_NUMBER = {"#", "№", "no.", "nr", "nr."}


def match_names(header: str, label: str = "") -> set[str]:
    """The names a column is matched by: its normalised header and question text, each also
    without a trailing time zone, ``#`` read as "number" ("Ticket #" → ``ticket_number``),
    and ``id`` for a column headed only "#".

    >>> sorted(match_names("Submit Date (UTC)"))
    ['submit_date', 'submit_date_utc']
    >>> sorted(match_names("Ticket #")), sorted(match_names("#"))
    (['ticket', 'ticket_number'], ['id'])
    """
    names = set()
    for text in (header, label):
        text = str(text)
        if text.strip().lower() in _ROW_NUMBER:
            names.add("id")
            continue
        for variant in {text, text.replace("#", " number ")}:
            name = normalise(variant)
            if name:
                names |= {name, _ZONE_SUFFIX.sub("", name)}
    names.discard("")
    return names


def score_candidates(kind: str, headers: list[str], labels: list[str]) -> list[int]:
    """Columns that could hold the 0–10 score, by name or question text, leftmost first."""
    if "score" not in FIELDS[kind]:
        return []
    found = []
    for i, (header, label) in enumerate(zip(headers, labels)):
        names = match_names(header, label)
        if any(_NOT_SCORE.search(n) for n in names if n):
            continue
        if names & set(ALIASES["score"]) or any(p in n for n in names for p in PATTERNS["score"]):
            found.append(i)
    return found


def date_candidates(field: str, headers: list[str], labels: list[str]) -> list[int]:
    """Columns that could hold the date, most preferred alias first, then by pattern."""
    return _ranked(field, headers, labels)


def _ranked(field: str, headers: list[str], labels: list[str]) -> list[int]:
    norm = [match_names(h, lab) for h, lab in zip(headers, labels)]
    ranked = []
    for alias in ALIASES.get(field, ()):
        ranked += [i for i, names in enumerate(norm) if alias in names and i not in ranked]
    for pattern in PATTERNS.get(field, ()):
        ranked += [
            i
            for i, names in enumerate(norm)
            if any(pattern in n for n in names) and i not in ranked
        ]
    return ranked


def propose_mapping(kind: str, headers: list[str], labels: list[str]) -> dict[str, int]:
    """Field → column index for every field a column matches (score and date excluded:
    the importer picks those from the values)."""
    used: set[int] = set()
    mapping: dict[str, int] = {}
    fields = [f for f in FIELDS[kind] if FIELDS[kind][f] not in ("score", "date")]
    norm = [match_names(h, lab) for h, lab in zip(headers, labels)]
    # Exact aliases for every field first, so a pattern never steals an exact match.
    for field in fields:
        for alias in aliases_for(kind, field):
            hit = next((i for i, n in enumerate(norm) if alias in n and i not in used), None)
            if hit is not None:
                mapping[field] = hit
                used.add(hit)
                break
    for field in fields:
        if field in mapping:
            continue
        for pattern in PATTERNS.get(field, ()):
            hit = next(
                (i for i, n in enumerate(norm) if any(pattern in x for x in n) and i not in used),
                None,
            )
            if hit is not None:
                mapping[field] = hit
                used.add(hit)
                break
    return mapping


# Column names that say a file without scores holds customers' outcomes.
_CHURN_NAMES = {"churned", "churn", "is_churned", "has_churned", "churn_flag", "churned_flag"}


def guess_kind(headers: list[str], labels: list[str], file_name: str = "") -> str:
    """The most likely data kind of a file, from its column names (and file name)."""
    names = set().union(*(match_names(x) for x in headers + labels))
    has_score = bool(score_candidates("survey", headers, labels))
    if not has_score and names & _CHURN_NAMES:
        return "outcomes"
    if not has_score:
        kpis = set(ALIASES["wait_time_min"] + ALIASES["handle_time_min"]) | set(
            ALIASES["first_contact_resolution"] + ALIASES["escalated"]
        )
        ids = set(aliases_for("transactional", "interaction_id")) - {"id"}  # too common alone
        if names & ids or names & kpis:
            return "transactional"
        return "survey"
    relationship_only = set(ALIASES["segment"] + ALIASES["annual_revenue"] + ALIASES["wave"])
    hint = normalise(file_name)
    if names & relationship_only or any(
        w in hint for w in ("relationship", "rnps", "wave", "annual", "brand")
    ):
        return "relationship"
    return "survey"
