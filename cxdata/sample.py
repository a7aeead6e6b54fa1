"""A deterministic, realistic sample: two years of a telecom's customer-experience data.

The story: touchpoint NPS starts near −14 in November 2024 and climbs unevenly (some months flat
or down) to about +2 by October 2026. Operational KPIs really drive the scores — long waits,
unresolved first contacts and late deliveries produce detractors — and waits shorten over time.
Quarterly relationship waves follow the touchpoint experience ever more closely (the link
tightens from r ≈ 0.2 to r ≈ 0.6). Eleven departments took a maturity assessment twice; Metrics
& ROI is the weakest domain. A portfolio of fixes covers only part of the +15-point goal.

``write_sample(out_dir)`` writes the CSVs; ``import_sample(db, paths)`` loads the three data
kinds. Same seed, same bytes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from cxdata import maturity, settings

# The portfolio of fixes, in the initiatives CSV format (SPEC §7): the base scenario, and the
# stretch scenario = the base fixes not dropped plus two bolder ones. Copied as it is.
INITIATIVES_FILE = Path(__file__).parent / "data" / "sample_initiatives.csv"
START = pd.Timestamp("2024-11-01")
MONTHS = 24
DEPARTMENTS = maturity.DEPARTMENTS
CHANNELS = ("Phone", "Chat", "Email", "Store", "App", "Web")
REGIONS = ("North", "South", "East", "West", "Central")
PRODUCTS = ("Mobile", "Broadband", "TV", "Bundle")
# touchpoint → (owning department, channels it happens in, share of responses)
TOUCHPOINTS = {
    "Billing enquiry": ("Customer Service", ("Phone", "Chat", "Email"), 0.18),
    "Technical support": ("Contact Center", ("Phone", "Chat"), 0.18),
    "New order": ("Sales", ("Store", "Web", "Phone"), 0.12),
    "Delivery": ("Fulfillment & Warehouse", ("Web", "Email"), 0.10),
    "Field visit": ("Field Service", ("Phone",), 0.09),
    "Repair": ("Depot Service", ("Store", "Phone"), 0.07),
    "Account change": ("Self Service", ("App", "Web"), 0.10),
    "App login": ("Digital & Innovation", ("App",), 0.06),
    "Plan upgrade": ("Product Management", ("App", "Web", "Store"), 0.04),
    "Promotion": ("Marketing", ("Email", "Web"), 0.03),
    "Complaint escalation": ("Executive Management", ("Email", "Phone"), 0.03),
}
# Monthly NPS the story aims at (before sampling noise): a first year of uneven progress, a
# stall over the winter (behind the milestone path for a few months), then a catch-up once
# the big fixes ship, ending near +2.
TARGET_NPS = (
    -14, -13, -14, -12, -11, -11, -10, -9, -10, -9, -9, -9,
    -10, -11, -11, -11, -11, -10, -7, -4, -1, 0, 1, 2,
)  # fmt: skip
SMALL_MONTH = 14  # one month (January 2026) with a broken survey link: only a handful of replies
# The fixes' effects planted in the scores (issue 22): the first-call billing fix (shipped May
# 2025, a 3-month ramp, touchpoint=Billing enquiry in the initiatives file) lifts Billing
# enquiry's scores from June, to full size in August 2025 (about +20 points of its NPS); the
# callback (touchpoint=Technical support) and the password reset (App login) were shipped
# too but move nothing. The monthly NPS is still calibrated to TARGET_NPS, so the billing
# gain is part of the story's climb rather than added to it.
# touchpoint → (month index of shipping, ramp months, lift of the latent score at full size)
PLANTED_EFFECTS = {"Billing enquiry": (6, 3, 0.8)}
_EXPERIENCE_SD = 2.2


def write_sample(
    out_dir: str | os.PathLike, *, seed: int = 7, rows: int | None = None
) -> dict[str, Path]:
    """Write the sample CSVs into ``out_dir`` and return their paths by kind.

    With ``rows=N`` the benchmark-size files are written instead (see :func:`_write_bulk`):
    ``survey_<N>.csv`` of exactly N rows, ``transactional_<N>.csv`` with the interaction of
    each of them, and ``relationship_<N>.csv`` of about N/10 wave responses from the same
    customers; they are produced in chunks so memory stays small at any N.

    Examples
    --------
    >>> paths = write_sample("sample_data")  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['initiatives', 'maturity', 'relationship', 'survey', 'transactional']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    if rows is not None:
        return _write_bulk(out, rows, rng, seed)
    customers = _customers(rng)
    survey, transactional = _survey_and_interactions(rng, customers)
    relationship = _relationship(rng, customers, survey)
    frames = {
        "survey": survey,
        "transactional": transactional,
        "relationship": relationship,
        "maturity": _maturity(rng),
    }
    paths = {}
    for kind, frame in frames.items():
        paths[kind] = out / f"{kind}.csv"
        frame.to_csv(paths[kind], index=False, lineterminator="\n")
    paths["outcomes"] = write_outcomes(relationship, out / "outcomes.csv", seed=seed)
    paths["initiatives"] = out / "initiatives.csv"
    shutil.copyfile(INITIATIVES_FILE, paths["initiatives"])
    return paths


# Churn at a renewal, by the NPS group of the customer's latest relationship response before
# it (issue 22): detractors leave most, promoters least.
OUTCOME_CHURN = {"detractor": 0.22, "passive": 0.12, "promoter": 0.06}


def write_outcomes(relationship: pd.DataFrame, path: Path, *, seed: int = 7) -> Path:
    """Write the sample's outcomes file: each customer of the relationship waves renews once
    a year (a date from 1 to 12 months after their first response, then yearly) until the
    story ends or they leave. At a renewal the customer churns (yes/no) with OUTCOME_CHURN's
    rate for the group of their latest response before it; revenue per year is the
    customer's own, about 600–1,200. Its own random stream, so the other files keep their
    bytes."""
    rng = np.random.default_rng([seed, 22])
    end = START + pd.DateOffset(months=MONTHS) - pd.Timedelta(days=1)
    answers = relationship.assign(at=pd.to_datetime(relationship["responded_at"]))
    answers = answers.sort_values(["customer_id", "at"])
    records = []
    for customer, rows in answers.groupby("customer_id", sort=True):
        revenue = rng.uniform(600, 1200)
        renewal = rows["at"].iloc[0] + pd.Timedelta(days=int(rng.integers(30, 366)))
        while renewal <= end:
            before = rows[rows["at"] < renewal]
            score = int(before["score"].iloc[-1])
            group = "detractor" if score <= 6 else ("passive" if score <= 8 else "promoter")
            churned = bool(rng.random() < OUTCOME_CHURN[group])
            records.append(
                (customer, renewal.strftime("%Y-%m-%d"), "yes" if churned else "no",
                 round(revenue, -1))
            )  # fmt: skip
            if churned:
                break
            revenue *= rng.uniform(0.97, 1.06)
            renewal += pd.Timedelta(days=365)
    columns = ["customer_id", "observed_at", "churned", "revenue_per_year"]
    frame = pd.DataFrame(records, columns=columns).sort_values(["observed_at", "customer_id"])
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


SAMPLE_CURRENCY = "€"


def import_sample(db, paths: dict[str, Path]) -> list:
    """Import the survey, transactional, relationship and outcomes files (source
    ``sample``), the maturity assessment and the portfolio of initiatives; the sample's
    eleven departments join the department list (source ``sample``)."""
    from cxdata import departments, ingest

    departments.add(db, DEPARTMENTS, source="sample")
    reports: list = [
        ingest.import_file(db, paths[kind], kind, source="sample")
        for kind in ("survey", "transactional", "relationship", "outcomes")
        if kind in paths
    ]
    if "maturity" in paths:
        reports.append(maturity.import_responses(db, paths["maturity"]))
    if "initiatives" in paths:
        from cxdata import milestones

        milestones.import_initiatives(db, paths["initiatives"])
        # The sample's story has a goal (the baseline −14, +15 in 30 months, from the data) and
        # a currency, as an organisation that uses the app would have set them.
        if "survey" in paths:
            milestones.save_goal(db, milestones.plan_settings(db).goal)
        settings.save_currency(db, SAMPLE_CURRENCY)
    return reports


def load_sample(db, seed: int = 7) -> list:
    """Write the sample to a temporary folder and import it into ``db``."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return import_sample(db, write_sample(tmp, seed=seed))


# --- customers and touchpoint surveys ------------------------------------------------------


def _customers(rng: np.random.Generator) -> pd.DataFrame:
    n = 3000
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
            "region": rng.choice(REGIONS, n, p=[0.25, 0.2, 0.2, 0.2, 0.15]),
            "segment": rng.choice(
                ["Consumer", "Small business", "Enterprise"], n, p=[0.7, 0.22, 0.08]
            ),
            "product": rng.choice(PRODUCTS, n, p=[0.4, 0.3, 0.1, 0.2]),
            # Some customers simply like the brand more: a stable personal offset.
            "warmth": rng.normal(0, 0.9, n),
            # Heavier users contact us more often.
            "activity": rng.pareto(2.5, n) + 0.2,
        }
    )


def _survey_and_interactions(rng, customers):
    volumes = rng.integers(340, 461, MONTHS)
    volumes[SMALL_MONTH] = 25
    month = np.repeat(np.arange(MONTHS), volumes)
    n = len(month)
    progress = month / (MONTHS - 1)
    names = list(TOUCHPOINTS)
    shares = np.array([TOUCHPOINTS[t][2] for t in names])
    touch_idx = rng.choice(len(names), n, p=shares / shares.sum())
    touchpoint = np.array(names)[touch_idx]
    department = np.array([TOUCHPOINTS[t][0] for t in names])[touch_idx]
    channel = np.array([rng.choice(TOUCHPOINTS[t][1]) for t in touchpoint])
    weights = customers["activity"].to_numpy()
    cust = rng.choice(len(customers), n, p=weights / weights.sum())

    # Operational KPIs first; the score follows from them.
    assisted = np.isin(channel, ("Phone", "Chat", "Store"))
    wait = np.where(
        assisted, rng.lognormal(np.log(9 - 5 * progress), 0.7), rng.lognormal(0, 0.5)
    ).round(1)
    fcr = rng.random(n) < 0.6 + 0.16 * progress + np.where(channel == "Chat", 0.06, 0)
    escalated = (~fcr) & (rng.random(n) < 0.3)
    handle = rng.lognormal(np.log(8), 0.45, n).round(1)
    delivers = np.isin(touchpoint, ("Delivery", "New order"))
    delay = np.where(delivers, rng.poisson(2.2 - 1.3 * progress), np.nan)
    order_value = np.where(touchpoint == "New order", rng.lognormal(4.3, 0.6, n).round(2), np.nan)

    kpi_effect = (
        -0.16 * np.minimum(wait, 40)
        + np.where(fcr, 0.9, -1.3)
        - np.where(escalated, 0.8, 0)
        - 0.55 * np.nan_to_num(delay)
    )
    segment_effect = (
        np.select([channel == "Chat", channel == "App"], [0.4 + 1.0 * progress, 0.3], 0)
        - np.where(department == "Field Service", 0.9 - 0.2 * progress, 0)
        - np.where(touchpoint == "Billing enquiry", 0.5, 0)
    )
    personal = customers["warmth"].to_numpy()[cust]
    effects = (
        kpi_effect
        + segment_effect
        + _planted_effects(month, touchpoint)
        + personal
        + rng.normal(0, _EXPERIENCE_SD, n)
    )
    base = _calibrate(month, effects)
    score = np.clip(np.rint(base[month] + effects), 0, 10).astype(int)

    days = np.array([(START + pd.DateOffset(months=int(m))).days_in_month for m in range(MONTHS)])
    day_in_month = (rng.random(n) * days[month]).astype(int)
    month_starts = pd.DatetimeIndex([START + pd.DateOffset(months=m) for m in range(MONTHS)])
    responded = (
        month_starts[month]
        + pd.to_timedelta(day_in_month, unit="D")
        + pd.to_timedelta(rng.integers(7 * 3600, 22 * 3600, n), unit="s")
    )
    responded = pd.DatetimeIndex(responded)
    occurred = responded - pd.to_timedelta(rng.integers(1800, 4 * 86400, n), unit="s")
    order = np.argsort(responded.values, kind="stable")

    comments = _comments(rng, score, touchpoint, wait, fcr, delay)
    ease = np.clip(np.rint(1 + score * 0.38 + rng.normal(0, 0.7, n)), 1, 5).astype(int)
    knowledge = np.clip(np.rint(1.2 + score * 0.33 + rng.normal(0, 0.8, n)), 1, 5)
    knowledge = np.where(np.isin(channel, ("App", "Web")), np.nan, knowledge)
    interaction_id = np.array([f"I{i:06d}" for i in range(1, n + 1)])
    survey = (
        pd.DataFrame(
            {
                "response_id": [f"S{i:06d}" for i in range(1, n + 1)],
                "responded_at": responded.strftime("%Y-%m-%d %H:%M:%S"),
                "score": score,
                "customer_id": customers["customer_id"].to_numpy()[cust],
                "interaction_id": interaction_id,
                "channel": channel,
                "touchpoint": touchpoint,
                "department": department,
                "region": customers["region"].to_numpy()[cust],
                "product": customers["product"].to_numpy()[cust],
                "comment": comments,
                "ease": ease,
                "agent_knowledge": pd.array(knowledge, dtype="Int64"),
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    surveyed = pd.DataFrame(
        {
            "interaction_id": interaction_id,
            "occurred_at": occurred.strftime("%Y-%m-%d %H:%M:%S"),
            "customer_id": customers["customer_id"].to_numpy()[cust],
            "channel": channel,
            "department": department,
            "region": customers["region"].to_numpy()[cust],
            "handle_time_min": handle,
            "wait_time_min": wait,
            "first_contact_resolution": np.where(fcr, "yes", "no"),
            "escalated": np.where(escalated, "yes", "no"),
            "delivery_delay_days": pd.array(delay, dtype="Int64"),
            "order_value": order_value,
        }
    )
    unsurveyed = _unsurveyed(rng, surveyed, int(n * 0.3))
    transactional = (
        pd.concat([surveyed, unsurveyed], ignore_index=True)
        .sort_values(["occurred_at", "interaction_id"], kind="stable")
        .reset_index(drop=True)
    )
    return survey, transactional


def _planted_effects(month: np.ndarray, touchpoint: np.ndarray) -> np.ndarray:
    """Each response's share of the fixes' planted lifts (``PLANTED_EFFECTS``): linear over
    the ramp from the shipping month, in full after it."""
    out = np.zeros(len(month))
    for name, (shipped, ramp, lift) in PLANTED_EFFECTS.items():
        share = np.clip((month - shipped) / max(ramp, 1), 0, 1)
        out += np.where(touchpoint == name, lift * share, 0.0)
    return out


def _calibrate(month, effects) -> np.ndarray:
    """Per-month base levels that make each month's NPS follow TARGET_NPS (by bisection).

    The month-to-month unevenness is in TARGET_NPS itself; calibrating on the drawn effects
    keeps sampling noise from burying the story.
    """
    base = np.zeros(MONTHS)
    for m in range(MONTHS):
        e = effects[month == m]
        lo, hi = 0.0, 14.0
        for _ in range(40):
            mid = (lo + hi) / 2
            s = np.clip(np.rint(mid + e), 0, 10)
            nps = 100 * ((s >= 9).mean() - (s <= 6).mean())
            lo, hi = (mid, hi) if nps < TARGET_NPS[m] else (lo, mid)
        base[m] = (lo + hi) / 2
    return base


def _unsurveyed(rng, surveyed: pd.DataFrame, k: int) -> pd.DataFrame:
    """Interactions nobody was surveyed about: resampled rows with new ids and shifted dates."""
    extra = surveyed.iloc[rng.choice(len(surveyed), k, replace=False)].copy()
    shift = pd.to_timedelta(rng.integers(-20 * 86400, 20 * 86400, k), unit="s")
    when = pd.to_datetime(extra["occurred_at"]) + shift
    when = when.clip(START, START + pd.DateOffset(months=MONTHS) - pd.Timedelta(seconds=1))
    extra["occurred_at"] = when.dt.strftime("%Y-%m-%d %H:%M:%S")
    first = len(surveyed) + 1
    extra["interaction_id"] = [f"I{i:06d}" for i in range(first, first + k)]
    return extra


# --- comments ------------------------------------------------------------------------------

_DETRACTOR = {
    "billing": [
        "I was charged twice on my bill this month",
        "my invoice was wrong again",
        "the bill went up without any warning",
        "nobody could explain the extra charge",
        "I'm still waiting for the refund I was promised",
    ],
    "waiting": [
        "I waited over 40 minutes on hold",
        "the queue never moved",
        "I was on hold for ages and then got cut off",
        "it took three calls to reach anyone",
        "the callback I was promised never came",
    ],
    "delivery": [
        "the courier was three days late",
        "my delivery never arrived on the day given",
        "the parcel was left outside in the rain",
        "delivery was rescheduled twice",
        "the router arrived a week late",
    ],
    "staff": [
        "the agent was rude and dismissive",
        "the technician didn't turn up",
        "staff kept transferring me to someone else",
        "the person on the phone didn't listen",
        "I had to explain my problem to four different people",
    ],
    "product": [
        "the connection keeps dropping every evening",
        "speeds are nowhere near what I pay for",
        "the TV box freezes constantly",
        "coverage at home is poor",
    ],
    "digital": [
        "the app crashed when I tried to pay",
        "the website logged me out twice",
        "I couldn't find how to change my plan online",
        "the chat bot went round in circles",
    ],
}
_PROMOTER = {
    "staff": [
        "the agent was really helpful",
        "the technician was friendly and knew his stuff",
        "staff went out of their way for me",
        "the person I spoke to was patient and clear",
        "the engineer explained everything",
    ],
    "speed": [
        "it was sorted in minutes",
        "no waiting at all",
        "fixed on the first call",
        "quick and painless",
        "the chat answered straight away",
    ],
    "delivery": [
        "delivery came a day early",
        "the courier was on time and careful",
        "set-up was done the same day",
    ],
    "product": [
        "the connection has been rock solid",
        "great speeds since the upgrade",
        "the new plan is good value",
    ],
    "digital": [
        "the app made it really easy",
        "changing my plan online took two minutes",
        "the website was clear and simple",
    ],
    "billing": ["the bill is finally clear", "they refunded me without any fuss"],
}
_PASSIVE = [
    "it was fine, nothing special",
    "okay but it took longer than it should",
    "the issue got fixed eventually",
    "decent service, a bit slow",
    "no complaints really",
    "average experience",
    "it works, but the price is high",
    "fine once I got through",
    "the agent was polite but I had to call back",
    "good enough",
]
_OPENERS = {
    "detractor": ["", "Honestly, ", "Very disappointed: ", "Not happy. ", "Again ", "Terrible. "],
    "promoter": ["", "Great service, ", "Really impressed: ", "Thank you! ", "Brilliant - "],
}
_CLOSERS = {
    "detractor": [
        "",
        ".",
        ". Thinking of leaving.",
        ". Please sort this out.",
        ". Not what I expect from you.",
        "!",
    ],
    "promoter": ["", ".", "!", ". Will recommend.", ". Keep it up."],
}
_CONTACT_BITS = [
    " Call me back on +44 20 7946 0958.",
    " My number is 555-0134.",
    " Email me at jane.doe@example.com",
    " You can reach me at m.jones@example.org.",
    " Account 4485 2291 7730 in case you need it.",
]


def _comments(rng, score, touchpoint, wait, fcr, delay) -> np.ndarray:
    n = len(score)
    out = np.full(n, "", dtype=object)
    has = rng.random(n) < 0.55
    for i in np.flatnonzero(has):
        s = score[i]
        if s <= 6:
            topic = _detractor_topic(rng, touchpoint[i], wait[i], fcr[i], delay[i])
            text = (
                rng.choice(_OPENERS["detractor"])
                + rng.choice(_DETRACTOR[topic])
                + rng.choice(_CLOSERS["detractor"])
            )
        elif s <= 8:
            text = str(rng.choice(_PASSIVE))
        else:
            topic = rng.choice(list(_PROMOTER))
            text = (
                rng.choice(_OPENERS["promoter"])
                + rng.choice(_PROMOTER[topic])
                + rng.choice(_CLOSERS["promoter"])
            )
        text = text[0].upper() + text[1:]
        roll = rng.random()
        if roll < 0.025:
            text += rng.choice(_CONTACT_BITS)
        elif roll < 0.04:
            text += "\nSecond time this year."
        elif roll < 0.05:
            text = f'They said "tomorrow", {text[0].lower()}{text[1:]}'
        out[i] = text
    return out


def _detractor_topic(rng, touchpoint, wait, fcr, delay) -> str:
    if touchpoint == "Billing enquiry" and rng.random() < 0.7:
        return "billing"
    if not np.isnan(delay) and delay >= 2 and rng.random() < 0.8:
        return "delivery"
    if wait > 15 and rng.random() < 0.7:
        return "waiting"
    if not fcr and rng.random() < 0.5:
        return "staff"
    if touchpoint in ("App login", "Account change") and rng.random() < 0.7:
        return "digital"
    return str(rng.choice(["billing", "waiting", "staff", "product", "digital", "delivery"]))


# --- relationship waves --------------------------------------------------------------------


def _relationship(rng, customers, survey) -> pd.DataFrame:
    """Quarterly waves; the relationship score tracks recent touchpoint scores more each wave."""
    when = pd.to_datetime(survey["responded_at"])
    frames = []
    quarters = pd.period_range(START, periods=8, freq="Q")
    link = np.linspace(0.22, 0.68, len(quarters))
    for w, (quarter, r) in enumerate(zip(quarters, link)):
        wave_end = quarter.end_time.normalize()
        field_start = wave_end - pd.Timedelta(days=20)
        recent = survey[(when > field_start - pd.Timedelta(days=90)) & (when <= field_start)]
        mean_score = recent.groupby("customer_id")["score"].mean()
        linked_ids = mean_score.index.to_numpy()
        k_linked = min(510, len(linked_ids))
        chosen = rng.choice(linked_ids, k_linked, replace=False)
        strangers = np.setdiff1d(customers["customer_id"].to_numpy(), survey["customer_id"])
        if len(strangers) < 90:
            strangers = np.setdiff1d(customers["customer_id"].to_numpy(), linked_ids)
        others = rng.choice(strangers, 90, replace=False)
        x = mean_score.loc[chosen].to_numpy()
        z = (x - x.mean()) / x.std()
        rel = r * z + np.sqrt(1 - r**2) * rng.normal(0, 1, k_linked)
        rel = np.concatenate([rel, rng.normal(0, 1, len(others))])
        score = np.clip(np.rint(6.9 + 0.35 * w / 7 + 2.3 * rel), 0, 10).astype(int)
        ids = np.concatenate([chosen, others])
        info = customers.set_index("customer_id").loc[ids]
        days = rng.integers(0, 20, len(ids))
        frames.append(
            pd.DataFrame(
                {
                    "response_id": [f"W{w + 1}-{i:04d}" for i in range(1, len(ids) + 1)],
                    "responded_at": (field_start + pd.to_timedelta(days, unit="D")).strftime(
                        "%Y-%m-%d"
                    ),
                    "customer_id": ids,
                    "score": score,
                    "wave": str(quarter),
                    "segment": info["segment"].to_numpy(),
                    "region": info["region"].to_numpy(),
                    "annual_revenue": np.where(
                        info["segment"].to_numpy() == "Enterprise",
                        rng.lognormal(10.5, 0.5, len(ids)),
                        rng.lognormal(6.8, 0.4, len(ids)),
                    ).round(-1),
                    "comment": np.where(
                        rng.random(len(ids)) < 0.3,
                        np.where(
                            score >= 9,
                            "Reliable and good value",
                            np.where(score <= 6, "Too many problems this year", "Fine overall"),
                        ),
                        "",
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --- maturity ------------------------------------------------------------------------------

_DOMAINS = ("STR", "CUL", "ACC", "VOC", "DES", "MET")
_DOMAIN_OFFSET = {"STR": 0.2, "CUL": 0.1, "ACC": -0.1, "VOC": 0.3, "DES": 0.0, "MET": -0.7}
_DEPARTMENT_LEVEL = {
    "Sales": 1.7,
    "Customer Service": 2.7,
    "Contact Center": 2.9,
    "Field Service": 1.5,
    "Depot Service": 1.1,
    "Self Service": 2.0,
    "Product Management": 1.6,
    "Marketing": 1.9,
    "Digital & Innovation": 2.3,
    "Fulfillment & Warehouse": 1.4,
    "Executive Management": 1.0,
}


def _maturity(rng) -> pd.DataFrame:
    records = []
    for year, lift in (("2025-06-15", 0.0), ("2026-06-15", 0.4)):
        for dept in DEPARTMENTS:
            raters = ["Rater A", "Rater B", "Rater C"][
                : 2 + (dept in ("Contact Center", "Sales", "Marketing"))
            ]
            for r, rater in enumerate(raters):
                for domain in _DOMAINS:
                    for item in range(1, 5):
                        level = _DEPARTMENT_LEVEL[dept] + _DOMAIN_OFFSET[domain] + lift
                        if dept == "Marketing" and domain == "VOC":
                            level += (-1.2, 1.2, 0.0)[r]  # raters disagree strongly here
                        score = int(np.clip(np.rint(level + rng.normal(0, 0.5)), 0, 4))
                        blank = rng.random() < 0.03
                        records.append(
                            (year, dept, rater, f"{domain}{item}", "" if blank else score)
                        )
    return pd.DataFrame(records, columns=["assessed_at", "department", "rater", "item_id", "score"])


# --- benchmark-size survey files -----------------------------------------------------------


_BULK_CHUNK = 200_000  # rows per chunk; the survey file's bytes depend on it


def _write_bulk(out: Path, rows: int, rng: np.random.Generator, seed: int) -> dict[str, Path]:
    """The benchmark-size files of ``rows`` survey responses, written chunk by chunk.

    - ``survey_<N>.csv``: exactly N touchpoint responses (ids B00000001…, customers
      C000001…C199999, interactions BI00000001…); every chunk spans the whole 24 months.
    - ``transactional_<N>.csv``: one interaction per response (its ``interaction_id``, the
      columns of the normal sample's transactional.csv), occurring half an hour to four days
      before the response. Its KPIs lean on the response's score — long waits, unresolved
      first contacts, escalations and late deliveries go with low scores — so driver
      analyses find them.
    - ``relationship_<N>.csv``: ceil(N/10) quarterly-wave responses (ids BW00000001…, the
      columns of relationship.csv). Each is given by a customer 1 to 60 days after one of
      their touchpoint responses, with a score that follows it, so the relationship →
      touchpoint lookback (90 days) finds at least that response for each.

    The survey rows are drawn from ``rng`` exactly as they always were (the file keeps its
    bytes for a seed, so import figures stay comparable); the other two files draw from their
    own stream (``[seed, 24]``).
    """
    paths = {
        kind: out / f"{kind}_{rows}.csv" for kind in ("survey", "transactional", "relationship")
    }
    companion = np.random.default_rng([seed, 24])
    files = {kind: open(path, "w", encoding="utf-8", newline="") for kind, path in paths.items()}
    try:
        for first, survey in _bulk_survey_chunks(rows, rng):
            header = first == 0
            survey.to_csv(files["survey"], index=False, header=header, lineterminator="\n")
            interactions = _bulk_interactions(survey, companion)
            interactions.to_csv(
                files["transactional"], index=False, header=header, lineterminator="\n"
            )
            # ceil(rows / 10) in all: each chunk adds its share of the running total.
            wanted = -(-(first + len(survey)) // 10) - -(-first // 10)
            waves = _bulk_relationship(survey, companion, wanted, -(-first // 10) + 1)
            waves.to_csv(files["relationship"], index=False, header=header, lineterminator="\n")
    finally:
        for f in files.values():
            f.close()
    return paths


def _bulk_survey_chunks(rows: int, rng: np.random.Generator):
    """``(index of the first row, frame)`` per chunk of ``_BULK_CHUNK`` survey responses."""
    chunk = _BULK_CHUNK
    total_seconds = int((START + pd.DateOffset(months=MONTHS) - START).total_seconds())
    names = list(TOUCHPOINTS)
    phrases = [p for group in _DETRACTOR.values() for p in group] + _PASSIVE
    for first in range(0, rows, chunk):
        n = min(chunk, rows - first)
        when = START + pd.to_timedelta(np.sort(rng.integers(0, total_seconds, n)), unit="s")
        progress = (when - START) / (total_seconds * pd.Timedelta(seconds=1))
        latent = 6.2 + 1.6 * np.asarray(progress) + rng.normal(0, 2.6, n)
        touch = rng.integers(0, len(names), n)
        yield (
            first,
            pd.DataFrame(
                {
                    "response_id": [f"B{i:08d}" for i in range(first + 1, first + n + 1)],
                    "responded_at": pd.DatetimeIndex(when).strftime("%Y-%m-%d %H:%M:%S"),
                    "score": np.clip(np.rint(latent), 0, 10).astype(int),
                    "customer_id": [f"C{i:06d}" for i in rng.integers(1, 200_000, n)],
                    "interaction_id": [f"BI{i:08d}" for i in range(first + 1, first + n + 1)],
                    "channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), n)],
                    "touchpoint": np.array(names)[touch],
                    "department": np.array([TOUCHPOINTS[t][0] for t in names])[touch],
                    "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
                    "product": np.array(PRODUCTS)[rng.integers(0, len(PRODUCTS), n)],
                    "comment": np.where(
                        rng.random(n) < 0.4,
                        np.array(phrases, dtype=object)[rng.integers(0, len(phrases), n)],
                        "",
                    ),
                    "ease": rng.integers(1, 6, n),
                    "agent_knowledge": rng.integers(1, 6, n),
                }
            ),
        )


def _bulk_interactions(survey: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The interaction behind each survey response of a chunk, with KPIs that lean on its
    score (a low score: a longer wait, less often resolved at first contact, more often
    escalated, a later delivery)."""
    n = len(survey)
    badness = (10 - survey["score"].to_numpy()) / 10  # 0 for a 10, 1 for a 0
    channel = survey["channel"].to_numpy()
    touchpoint = survey["touchpoint"].to_numpy()
    assisted = np.isin(channel, ("Phone", "Chat", "Store"))
    wait = np.where(
        assisted, rng.lognormal(np.log(3 + 10 * badness), 0.6), rng.lognormal(0, 0.5, n)
    ).round(1)
    fcr = rng.random(n) < 0.9 - 0.5 * badness
    escalated = (~fcr) & (rng.random(n) < 0.15 + 0.3 * badness)
    delivers = np.isin(touchpoint, ("Delivery", "New order"))
    delay = np.where(delivers, rng.poisson(0.3 + 3.5 * badness), np.nan)
    responded = pd.to_datetime(survey["responded_at"].to_numpy(), format="%Y-%m-%d %H:%M:%S")
    occurred = responded - pd.to_timedelta(rng.integers(1800, 4 * 86400, n), unit="s")
    return pd.DataFrame(
        {
            "interaction_id": survey["interaction_id"].to_numpy(),
            "occurred_at": occurred.strftime("%Y-%m-%d %H:%M:%S"),
            "customer_id": survey["customer_id"].to_numpy(),
            "channel": channel,
            "department": survey["department"].to_numpy(),
            "region": survey["region"].to_numpy(),
            "handle_time_min": rng.lognormal(np.log(6 + 4 * badness), 0.45).round(1),
            "wait_time_min": wait,
            "first_contact_resolution": np.where(fcr, "yes", "no"),
            "escalated": np.where(escalated, "yes", "no"),
            "delivery_delay_days": pd.array(delay, dtype="Int64"),
            "order_value": np.where(
                touchpoint == "New order", rng.lognormal(4.3, 0.6, n).round(2), np.nan
            ),
        }
    )


_SEGMENTS = np.array(["Consumer"] * 7 + ["Small business"] * 2 + ["Enterprise"])
_REVENUE_SCALE = {"Consumer": 1.0, "Small business": 4.0, "Enterprise": 20.0}


def _bulk_relationship(
    survey: pd.DataFrame, rng: np.random.Generator, k: int, first_id: int
) -> pd.DataFrame:
    """``k`` wave responses of a chunk's customers, each 1–60 days after one of their
    touchpoint responses (within the story's 24 months), its score following that response's;
    a customer's segment comes from their id, so it is the same in every wave."""
    picked = np.sort(rng.choice(len(survey), size=min(k, len(survey)), replace=False))
    touch = survey.iloc[picked]
    end = START + pd.DateOffset(months=MONTHS) - pd.Timedelta(days=1)
    when = pd.to_datetime(touch["responded_at"].to_numpy(), format="%Y-%m-%d %H:%M:%S").normalize()
    when = when + pd.to_timedelta(rng.integers(1, 61, len(touch)), unit="D")
    when = when.where(when <= end, end)
    score = np.clip(
        np.rint(0.6 * touch["score"].to_numpy() + 0.4 * rng.normal(7.2, 2.2, len(touch))), 0, 10
    ).astype(int)
    customers = touch["customer_id"].to_numpy()
    segment = _SEGMENTS[np.array([int(c[1:]) for c in customers]) % len(_SEGMENTS)]
    scale = np.array([_REVENUE_SCALE[s] for s in segment])
    return pd.DataFrame(
        {
            "response_id": [f"BW{i:08d}" for i in range(first_id, first_id + len(touch))],
            "responded_at": when.strftime("%Y-%m-%d"),
            "customer_id": customers,
            "score": score,
            "wave": when.year.astype(str) + "Q" + when.quarter.astype(str),
            "segment": segment,
            "region": touch["region"].to_numpy(),
            "annual_revenue": (scale * rng.lognormal(6.8, 0.4, len(touch))).round(-1),
            "comment": np.where(
                rng.random(len(touch)) < 0.3,
                np.where(
                    score >= 9,
                    "Reliable and good value",
                    np.where(score <= 6, "Too many problems this year", "Fine overall"),
                ),
                "",
            ),
        }
    )
