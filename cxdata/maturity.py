"""CX maturity: the instrument, department-by-department scoring, stages and next steps.

Scoring (SPEC §6), for one assessment date:

- a rater's domain score is the mean of the rater's answered items in that domain;
- a department's domain score is the mean of its raters' domain scores, and "insufficient"
  when the department answered fewer than half of the domain's items present in the
  assessment (an item counts as answered when any of the department's raters answered it);
- the organisation's domain score is the mean of the departments' domain scores, each
  department counting once however many raters it had;
- overall is the weighted mean of the scored domains, weights renormalised;
- scores are rounded to two decimals before stages are read, decimal-exact and halves up
  (1.595 → 1.60, not the 1.59 that binary floating point gives);
- a department's stage is at most one above the stage of its lowest domain; the
  organisation's is also at most one above its lowest department's stage: the weakest link
  caps the whole.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from cxdata import departments as org_departments
from cxdata import store
from cxdata.errors import InputError
from cxdata.formatting import natural_date, utc_now_text
from cxdata.ingest import values
from cxdata.store import app_tables

INSTRUMENT_FILE = Path(__file__).parent / "data" / "maturity_instrument.json"
# The sample's departments (a telecom's eleven, SPEC §1). Nothing is checked against them: an
# organisation's departments are its own (cxdata.departments).
DEPARTMENTS = (
    "Sales", "Customer Service", "Contact Center", "Field Service", "Depot Service",
    "Self Service", "Product Management", "Marketing", "Digital & Innovation",
    "Fulfillment & Warehouse", "Executive Management",
)  # fmt: skip
STAGE_NAMES = {1: "Ad hoc", 2: "Emerging", 3: "Defined", 4: "Managed", 5: "Embedded"}
_UPPER_BOUNDS = ((0.8, 1), (1.6, 2), (2.4, 3), (3.2, 4))
DISAGREEMENT = 1.5  # rater spread (max − min of rater means in a domain) flagged at or above


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    short: str  # for chart axes
    weight: float
    items: tuple[dict, ...]  # {"id", "statement", "anchors": [5 texts]}
    next_stage: dict[int, tuple[str, ...]]  # stage → practices that lead to the next one


@functools.cache
def instrument() -> dict[str, Domain]:
    """The six domains, in instrument order, with their items, anchors and next steps."""
    data = json.loads(INSTRUMENT_FILE.read_text(encoding="utf-8"))
    out = {}
    for d in data["domains"]:
        items = tuple(
            {"id": f"{d['code']}{i}", "statement": it["statement"], "anchors": it["anchors"]}
            for i, it in enumerate(d["items"], start=1)
        )
        out[d["code"]] = Domain(
            code=d["code"],
            name=d["name"],
            short=d["short"],
            weight=float(d["weight"]),
            items=items,
            next_stage={int(k): tuple(v) for k, v in d["next_stage"].items()},
        )
    return out


def item_domain(item_id: str) -> str | None:
    """``"MET3"`` → ``"MET"`` when the instrument has that item, else None."""
    for code, domain in instrument().items():
        if any(item["id"] == item_id for item in domain.items):
            return code
    return None


def rounded(score: float) -> float:
    """``score`` to two decimals as decimal arithmetic would give it, halves up.

    A mean of answers that is exactly 1.595 in decimals is stored as the double just below
    (1.59499999…), which ``round`` turns into 1.59; rounding to 9 decimals first removes that
    binary noise (no mean of 0–4 answers has a genuine digit there), then the half goes up.

    >>> rounded(159.5 / 100), rounded(319.5 / 100), round(159.5 / 100, 2)
    (1.6, 3.2, 1.59)
    """
    exact = Decimal(f"{float(score):.9f}")
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def stage_of(score: float | None) -> int | None:
    """The stage (1–5) of a 0–4 score, read after rounding to two decimals (:func:`rounded`:
    decimal-exact, halves up).

    >>> stage_of(2.3999999999999995), stage_of(2.39), stage_of(0.79), stage_of(1.595)
    (4, 3, 1, 3)
    """
    if score is None or not np.isfinite(score):
        return None
    s = rounded(score)
    for bound, stage in _UPPER_BOUNDS:
        if s < bound:
            return stage
    return 5


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Score:
    """Maturity of one department or of the organisation at one assessment date."""

    domains: dict[str, float | None]
    overall: float | None
    stage: int | None
    uncapped_stage: int | None  # the stage of the overall score alone
    weakest: str | None  # the lowest-scoring domain
    capped_by: str | None  # a domain code, or (organisation) a department name
    insufficient: list[str] = field(default_factory=list)
    disagreement: dict[str, float] = field(default_factory=dict)  # domain → rater spread
    raters: int = 0

    @property
    def stage_name(self) -> str | None:
        return None if self.stage is None else STAGE_NAMES.get(self.stage)

    def to_dict(self) -> dict:
        return {
            "domains": {k: _round(v) for k, v in self.domains.items()},
            "overall": _round(self.overall),
            "stage": self.stage,
            "stage_name": self.stage_name,
            "weakest": self.weakest,
            "capped_by": self.capped_by,
            "uncapped_stage": self.uncapped_stage,
            "insufficient": self.insufficient,
            "raters_disagree": {k: _round(v) for k, v in self.disagreement.items()},
            "raters": self.raters,
        }


def _round(v):
    return None if v is None or not np.isfinite(v) else rounded(v)


@dataclass
class Assessment:
    """One assessment date: the organisation and each department."""

    assessed_at: str
    organisation: Score
    departments: dict[str, Score]

    def to_dict(self) -> dict:
        return {
            "assessed_at": self.assessed_at,
            "organisation": self.organisation.to_dict(),
            "departments": {k: v.to_dict() for k, v in self.departments.items()},
        }


def _overall(domains: dict[str, float | None]) -> float | None:
    weights = {code: d.weight for code, d in instrument().items()}
    scored = {k: v for k, v in domains.items() if v is not None}
    if not scored:
        return None
    total = sum(weights[k] for k in scored)
    return sum(weights[k] * v for k, v in scored.items()) / total


def _lowest(domains: dict[str, float | None]) -> str | None:
    scored = [(rounded(v), k) for k, v in domains.items() if v is not None]
    order = list(instrument())
    return min(scored, key=lambda t: (t[0], order.index(t[1])))[1] if scored else None


def _capped(
    domains: dict[str, float | None],
) -> tuple[int | None, int | None, str | None, str | None]:
    overall = _overall(domains)
    uncapped = stage_of(overall)
    weakest = _lowest(domains)
    lowest = stage_of(domains[weakest]) if weakest is not None else None
    if uncapped is None or weakest is None or lowest is None:
        return None, None, None, weakest
    limit = lowest + 1
    stage = min(uncapped, limit)
    return stage, uncapped, (weakest if limit < uncapped else None), weakest


def score_assessment(
    responses: pd.DataFrame, assessed_at: str = "", order: Sequence[str] | None = None
) -> Assessment:
    """Score one assessment date. ``responses``: department, rater, item_id, score (0–4, NaN
    when not answered). Departments come in ``order`` (e.g. :func:`cxdata.departments.names`),
    those not in it after, in the order they first appear in ``responses`` (which
    :func:`load_responses` gives in the organisation's order)."""
    codes = list(instrument())
    rank = _department_rank(order, responses["department"])
    frame = responses.copy()
    frame["domain"] = frame["item_id"].map(item_domain)
    frame = frame[frame["domain"].notna()]
    present = frame.groupby("domain")["item_id"].nunique()
    answered = frame[frame["score"].notna()]
    rater_means = answered.groupby(["department", "rater", "domain"])["score"].mean()
    answered_items = answered.groupby(["department", "domain"])["item_id"].nunique()
    departments: dict[str, Score] = {}
    for dept in sorted(frame["department"].unique(), key=rank):
        domains: dict[str, float | None] = {}
        insufficient, spread = [], {}
        for code in codes:
            if code not in present:
                domains[code] = None
                continue
            n_answered = answered_items.get((dept, code), 0)
            if n_answered < present[code] / 2:
                domains[code] = None
                insufficient.append(code)
                continue
            by_rater = rater_means.loc[(dept, slice(None), code)]
            domains[code] = float(by_rater.mean())
            if len(by_rater) > 1 and by_rater.max() - by_rater.min() >= DISAGREEMENT - 1e-9:
                spread[code] = float(by_rater.max() - by_rater.min())
        stage, uncapped, capped_by, weakest = _capped(domains)
        departments[dept] = Score(
            domains=domains,
            overall=_overall(domains),
            stage=stage,
            uncapped_stage=uncapped,
            weakest=weakest,
            capped_by=capped_by,
            insufficient=insufficient,
            disagreement=spread,
            raters=int(answered.loc[answered["department"] == dept, "rater"].nunique()),
        )
    org_domains = {}
    for code in codes:
        scores = [s for d in departments.values() if (s := d.domains[code]) is not None]
        org_domains[code] = float(np.mean(scores)) if scores else None
    stage, uncapped, capped_by, weakest = _capped(org_domains)
    dept_stages = {k: v.stage for k, v in departments.items() if v.stage is not None}
    if stage is not None and dept_stages:
        weakest_dept = min(dept_stages, key=lambda k: (dept_stages[k], rank(k)))
        if dept_stages[weakest_dept] + 1 < stage:
            stage, capped_by = dept_stages[weakest_dept] + 1, weakest_dept
    organisation = Score(
        domains=org_domains,
        overall=_overall(org_domains),
        stage=stage,
        uncapped_stage=uncapped,
        weakest=weakest,
        capped_by=capped_by,
        raters=int(answered[["department", "rater"]].drop_duplicates().shape[0]),
    )
    return Assessment(assessed_at, organisation, departments)


def _department_rank(order: Sequence[str] | None, seen: pd.Series) -> Callable[[str], int]:
    """A sort key for department names: their place in ``order``, then in ``seen``."""
    places = {name: i for i, name in enumerate(dict.fromkeys([*(order or ()), *pd.unique(seen)]))}
    return lambda name: places.get(name, len(places))


def score_history(responses: pd.DataFrame, order: Sequence[str] | None = None) -> list[Assessment]:
    """Every assessment date in ``responses`` (with an ``assessed_at`` column), oldest first;
    drafts included (see :func:`rounds` for which dates are complete)."""
    return [
        score_assessment(group, str(date), order)
        for date, group in responses.groupby("assessed_at", sort=True)
    ]


# --- rounds: complete assessments and drafts ---------------------------------------------


@dataclass(frozen=True)
class Round:
    """One assessment date and whether it is complete for the organisation.

    ``departments`` took part (answered at least one item) of the ``of`` in the list;
    ``covered`` says, per domain, how many departments answered at least half its items;
    ``needed`` is how many each domain needed; ``reason`` says why it is complete or a draft.
    """

    assessed_at: str
    complete: bool
    departments: int
    of: int
    covered: dict[str, int]
    needed: int
    reason: str

    @property
    def label(self) -> str:
        """``2026-06-15``, or ``2026-07-01 (draft, 1 of 11 departments)`` for a draft."""
        if self.complete:
            return self.assessed_at
        unit = "department" if self.of == 1 else "departments"
        return f"{self.assessed_at} (draft, {self.departments} of {self.of} {unit})"

    def to_dict(self) -> dict:
        return {
            "assessed_at": self.assessed_at,
            "complete": self.complete,
            "departments": self.departments,
            "of": self.of,
            "covered": self.covered,
            "needed": self.needed,
            "reason": self.reason,
        }


def rounds(responses: pd.DataFrame, departments: Sequence[str]) -> list[Round]:
    """Every assessment date in ``responses``, oldest first, complete or a draft.

    A department *covers* a domain on a date when its raters together answered at least half
    of the domain's items in the instrument. A date is *complete* when every domain is covered
    by at least as many departments as the previous complete date's least-covered domain was
    (the first complete date: by at least one), or by every department in ``departments``
    (the organisation's list, :func:`cxdata.departments.names`). Otherwise it is a draft: a
    questionnaire still being filled in, never the default result.

    >>> rows = [("2026-01-10", "Sales", "Ana", f"{c}{i}", 3) for c in instrument()
    ...         for i in range(1, 5)] + [("2026-03-01", "Sales", "Bo", "STR1", 2)]
    >>> frame = pd.DataFrame(rows, columns=["assessed_at", "department", "rater", "item_id",
    ...                                     "score"])
    >>> [r.label for r in rounds(frame, ["Sales", "Claims"])]
    ['2026-01-10', '2026-03-01 (draft, 1 of 2 departments)']
    """
    domains = instrument()
    answered = responses[responses["score"].notna()].copy()
    answered["domain"] = answered["item_id"].map(item_domain)
    answered = answered[answered["domain"].notna()]
    listed = list(dict.fromkeys(departments))
    out: list[Round] = []
    previous: Round | None = None
    for date in sorted(responses["assessed_at"].dropna().unique()):
        day = answered[answered["assessed_at"] == date]
        items = day.groupby(["domain", "department"])["item_id"].nunique()
        covering = {
            code: {
                dept
                for (domain, dept), n in items.items()
                if domain == code and n >= len(d.items) / 2
            }
            for code, d in domains.items()
        }
        covered = {code: len(v) for code, v in covering.items()}
        needed = max(1, min(previous.covered.values())) if previous else 1
        everyone = bool(listed) and all(set(listed) <= v for v in covering.values())
        short = [code for code in domains if covered[code] < needed]
        complete = everyone or not short
        taking_part = int(responses.loc[responses["assessed_at"] == date, "department"].nunique())
        reason = _round_reason(complete, everyone, short, covered, needed, previous)
        current = Round(
            str(date), complete, taking_part, max(len(listed), taking_part), covered, needed,
            reason,
        )  # fmt: skip
        out.append(current)
        if complete:
            previous = current
    return out


def _round_reason(complete, everyone, short, covered, needed, previous) -> str:
    if everyone:
        return "every department in the list covers every domain"
    since = f" (as on {natural_date(previous.assessed_at)})" if previous else ""
    if complete:
        return f"every domain is covered by at least {needed} department(s){since}"
    gaps = ", ".join(f"{instrument()[c].name} {covered[c]}" for c in short)
    return (
        f"each domain needs {needed} department(s) answering half its items or more{since}; "
        f"short: {gaps}"
    )


def latest_complete(all_rounds: Sequence[Round], up_to: str | None = None) -> Round | None:
    """The latest complete round (on or before ``up_to``, an ISO date, if given), else None."""
    done = [r for r in all_rounds if r.complete and (up_to is None or r.assessed_at <= up_to)]
    return done[-1] if done else None


def load_rounds(db) -> list[Round]:
    """The stored assessment rounds against the organisation's department list, oldest first."""
    return rounds(load_responses(db), org_departments.names(db))


def latest_complete_assessment(db, up_to: str | None = None) -> Assessment | None:
    """The scores of the latest complete stored round (on or before ``up_to``, an ISO date),
    departments in the organisation's order; None when no round is complete. What the
    Briefing shows: a draft never is."""
    responses = load_responses(db)
    order = org_departments.names(db)
    chosen = latest_complete(rounds(responses, order), up_to)
    if chosen is None:
        return None
    date = chosen.assessed_at
    return score_assessment(responses[responses["assessed_at"] == date], date, order)


def results_frame(assessments: list[Assessment]) -> pd.DataFrame:
    """Long table for download and charts: one row per date, unit (organisation or department)
    and domain, plus an ``overall`` row per unit with its stage."""
    rows = []
    for a in assessments:
        units = {"Organisation": a.organisation, **a.departments}
        for unit, score in units.items():
            for code, value in score.domains.items():
                rows.append(
                    {
                        "assessed_at": a.assessed_at,
                        "unit": unit,
                        "domain": code,
                        "domain_name": instrument()[code].short,
                        "score": _round(value),
                        "insufficient": code in score.insufficient,
                        "raters_disagree": code in score.disagreement,
                        "stage": stage_of(value),
                    }
                )
            rows.append(
                {
                    "assessed_at": a.assessed_at,
                    "unit": unit,
                    "domain": "overall",
                    "domain_name": "Overall",
                    "score": _round(score.overall),
                    "insufficient": False,
                    "raters_disagree": False,
                    "stage": score.stage,
                }
            )
    return pd.DataFrame(rows)


def next_steps(score: Score, count: int = 2) -> list[dict]:
    """For the ``count`` weakest scored domains: their stage and the practices that lead to
    the next stage (none beyond stage 5)."""
    scored = sorted(
        ((v, k) for k, v in score.domains.items() if v is not None),
        key=lambda t: (rounded(t[0]), list(instrument()).index(t[1])),
    )
    out = []
    for value, code in scored[:count]:
        stage = stage_of(value)
        if stage is None:
            continue
        domain = instrument()[code]
        out.append(
            {
                "domain": code,
                "name": domain.name,
                "score": _round(value),
                "stage": stage,
                "stage_name": STAGE_NAMES[stage],
                "practices": list(domain.next_stage.get(stage, ())),
            }
        )
    return out


# --- storage and import --------------------------------------------------------------------


def load_responses(db) -> pd.DataFrame:
    """Every stored maturity answer: assessed_at, department, rater, item_id, score, with
    departments under their canonical names (aliases resolved) and in the organisation's
    order (:func:`cxdata.departments.names`) within each date."""
    frame = app_tables.maturity_answers(db)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype(float)
    if frame.empty:
        return frame
    frame["department"] = frame["department"].map(org_departments.db_resolver(db))
    order = {name: i for i, name in enumerate(org_departments.names(db))}
    frame["_order"] = frame["department"].map(order).fillna(len(order))
    frame = frame.sort_values(
        ["assessed_at", "_order", "department", "rater", "item_id"], kind="stable"
    )
    return frame.drop(columns="_order").reset_index(drop=True)


def save_answers(
    db, assessed_at: str, department: str, rater: str, answers: dict[str, float | None]
) -> int:
    """Store one rater's answers (item id → 0–4 or None for not answered), replacing earlier
    answers to the same items. Any non-blank department is accepted, under its canonical name
    (an alias resolves; a new name joins the department list, source "questionnaire").
    Returns how many were written."""
    department = org_departments.resolve(db, org_departments.check_name(department))
    _check_assessment_keys(assessed_at, department, rater)
    rows = []
    for item_id, score in answers.items():
        if item_domain(item_id) is None:
            raise InputError(f"'{item_id}' is not an item of the maturity instrument.")
        if score is not None and not (0 <= float(score) <= 4):
            raise InputError(f"Scores are 0–4; {item_id} got {score}.")
        rows.append((assessed_at, department, rater, item_id, score, None, utc_now_text()))
    fresh = org_departments.new_departments(org_departments.stored_list(db), [department])
    with store.transaction(db) as conn:
        org_departments.append_in(conn, fresh, "questionnaire")
        app_tables.upsert_maturity_answers(conn, rows)
    return len(rows)


def rater_answers(db, assessed_at: str, department: str, rater: str) -> dict[str, float | None]:
    """One rater's stored answers for one assessment (item id → 0–4, None = not answered);
    ``department`` may be an alias."""
    return app_tables.rater_answers(db, assessed_at, org_departments.resolve(db, department), rater)


def _check_assessment_keys(assessed_at: str, department: str, rater: str) -> None:
    try:
        datetime.strptime(assessed_at, "%Y-%m-%d")
    except (TypeError, ValueError):
        raise InputError(f"'{assessed_at}' is not a date like 2026-06-15.") from None
    if not str(department).strip():
        raise InputError("Name the department.")
    if not str(rater).strip():
        raise InputError("Name the rater (a name or a role is enough).")


@dataclass
class MaturityImport:
    """What a maturity CSV import did (rows are data rows, 1-based).

    ``rejected`` lists each problem once: a bad answer (``item`` set: an unknown item id, a
    score that is not a number or is outside 0–4) rejects only itself, the row's other
    answers are kept; a row without a date, department or rater (``item`` None) is rejected
    whole."""

    file: str
    layout: str  # "long" or "wide"
    dataset_id: int | None = None
    rows: int = 0
    answers: int = 0
    assessments: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"row", "line", "item", "reason"}
    rows_rejected: int = 0  # rows rejected whole
    new_departments: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    already_imported: bool = False
    kind: str = "maturity"

    @property
    def accepted(self) -> int:
        return self.rows - self.rows_rejected

    @property
    def problems(self) -> list[str]:
        """Each rejection as a sentence: "row 4, item MET2: score 7 is outside 0–4"."""
        return [
            f"row {r['row']}" + (f", item {r['item']}" if r["item"] else "") + f": {r['reason']}"
            for r in self.rejected
        ]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dataset_id": self.dataset_id,
            "file": self.file,
            "layout": self.layout,
            "rows": self.rows,
            "accepted": self.accepted,
            "answers": self.answers,
            "assessments": self.assessments,
            "new_departments": self.new_departments,
            "rejected": len(self.rejected),
            "rejected_rows": self.rejected[:100],
            "assumptions": self.assumptions,
            "already_imported": self.already_imported,
        }


_KEYS = ("assessed_at", "department", "rater")
_ALIASES = {
    "assessed_at": ("assessed_at", "date", "assessment_date", "assessed"),
    "department": ("department", "dept", "unit"),
    "rater": ("rater", "respondent", "assessor", "name"),
    "item_id": ("item_id", "item", "question", "question_id"),
    "score": ("score", "rating", "answer", "value"),
}
# A wide file's item columns: a domain code and a number ("MET2"); a number the instrument
# does not have ("STR9") is reported per answer, not ignored.
_ITEM_COLUMN = re.compile(r"^(STR|CUL|ACC|VOC|DES|MET)\d+$")


def read_responses(
    path, file_name: str | None = None, resolve: Callable[[str], str] | None = None
) -> tuple[pd.DataFrame, MaturityImport]:
    """Read a long (``assessed_at, department, rater, item_id, score``) or wide
    (``assessed_at, department, rater, STR1, STR2, …``) maturity CSV.

    Any department is accepted, under the name ``resolve`` gives it (e.g.
    :func:`cxdata.departments.db_resolver`: aliases to canonical names; default: stripped).
    Returns the valid answers (long form; score NaN = not answered, ``row`` = data row) and a
    report whose ``rejected`` lists each bad answer with its row and item (the row's other
    answers are kept) and each row without a date, department or rater (rejected whole).
    """
    from cxdata import ingest
    from cxdata.ingest.aliases import normalise

    raw = ingest.read_raw(path, file_name)
    by_name = {normalise(str(c)): c for c in raw.cells.columns}

    def find(field_name):
        return next((by_name[a] for a in _ALIASES[field_name] if a in by_name), None)

    columns = {f: find(f) for f in _ALIASES}
    missing = [f for f in _KEYS if columns[f] is None]
    if missing:
        raise InputError(
            f"File '{raw.fmt.name}' has no {', '.join(missing)} column: a maturity file needs "
            "assessed_at, department and rater, then item_id and score (long) or one column "
            "per item such as STR1, STR2 (wide)."
        )
    item_columns = [c for c in raw.cells.columns if _ITEM_COLUMN.match(str(c).strip().upper())]
    if columns["item_id"] is not None and columns["score"] is not None:
        layout = "long"
        long = raw.cells[[columns[f] for f in (*_KEYS, "item_id", "score")]].copy()
        long.columns = [*_KEYS, "item_id", "score"]
        long["row"] = long.index
    elif item_columns:
        layout = "wide"
        wide = raw.cells[[columns[f] for f in _KEYS] + item_columns].copy()
        wide.columns = [*_KEYS, *item_columns]
        wide["row"] = wide.index
        long = wide.melt(
            id_vars=[*_KEYS, "row"],
            value_vars=item_columns,
            var_name="item_id",
            value_name="score",
        )
    else:
        raise InputError(
            f"File '{raw.fmt.name}' has neither item_id and score columns (long form) nor "
            "item columns such as STR1, MET4 (wide form)."
        )
    report = MaturityImport(file=raw.fmt.name, layout=layout, rows=len(raw.cells))
    long["item_id"] = long["item_id"].astype("string").str.strip().str.upper()
    dates, assumption = values.parse_dates(long["assessed_at"])
    if assumption:
        report.assumptions.append(assumption)
    long["assessed_at"] = dates.map(lambda v: v[:10] if isinstance(v, str) else None)
    to_name = resolve or (lambda name: str(name).strip())
    long["department"] = long["department"].map(
        lambda v: None if pd.isna(v) or not str(v).strip() else to_name(str(v))
    )
    # Names no alias knows are still one department whatever their case or spacing: the
    # file's first spelling is kept ("Claims" and " claims ").
    spelling: dict[str, str] = {}
    for name in long["department"].dropna():
        spelling.setdefault(org_departments.key(name), name)
    long["department"] = long["department"].map(
        lambda v: None if pd.isna(v) else spelling[org_departments.key(v)]
    )
    long["rater"] = long["rater"].map(
        lambda v: None if pd.isna(v) or not str(v).strip() else str(v).strip()
    )
    numbers = pd.to_numeric(long["score"].astype("string").str.replace(",", "."), errors="coerce")
    whole = _row_problems(long)
    out_whole = long["row"].isin(whole.dropna().index)
    answer = _answer_problems(long, numbers).where(~out_whole, "")
    for row, reason in whole.dropna().items():
        n = int(long.loc[(long["row"] == row) & long["score"].notna(), "score"].size)
        kept = (
            f"the row's {n} answer(s) were not stored"
            if layout == "wide"
            else "its answer was not stored"
        )
        report.rejected.append(
            {"row": int(row), "line": raw.line_of(int(row)), "item": None,
             "reason": f"{reason}: {kept}"}
        )  # fmt: skip
    bad = answer != ""
    for r in long[bad].assign(reason=answer[bad]).itertuples(index=False):
        item = None if pd.isna(r.item_id) else str(r.item_id)
        report.rejected.append(
            {"row": int(r.row), "line": raw.line_of(int(r.row)), "item": item,
             "reason": r.reason}
        )  # fmt: skip
    report.rejected.sort(key=lambda r: r["row"])  # stable: a row's items in file order
    report.rows_rejected = int(whole.notna().sum())
    long["score"] = numbers
    # Blank answers to an item the instrument lacks are not answers at all: left out quietly.
    good = long[~bad & ~out_whole & long["item_id"].map(item_domain).notna()]
    report.answers = int(good["score"].notna().sum())
    report.assessments = sorted(good["assessed_at"].unique())
    return good[["assessed_at", "department", "rater", "item_id", "score", "row"]], report


def _row_problems(long: pd.DataFrame) -> pd.Series:
    """Per data row, what keeps the whole row out (None when nothing does)."""
    rows = long.groupby("row", sort=True).first()
    reason = pd.Series(None, index=rows.index, dtype=object)
    for column, text in (
        ("assessed_at", "no valid assessment date"),
        ("department", "no department"),
        ("rater", "no rater"),
    ):
        reason = reason.where(reason.notna() | rows[column].notna(), text)
    return reason


def _answer_problems(long: pd.DataFrame, numbers: pd.Series) -> pd.Series:
    """Per answer, what is wrong with it ("" when nothing is); blank is "not answered"."""
    present = long["score"].notna()
    known = long["item_id"].map(item_domain).notna()
    text = long["score"].astype("string")
    reason = pd.Series("", index=long.index, dtype=object)
    reason[present & long["item_id"].isna()] = "no item id"
    unknown = present & ~known & long["item_id"].notna()
    reason[unknown] = "not in the maturity instrument"
    not_number = present & known & numbers.isna()
    reason[not_number] = "score '" + text[not_number] + "' is not a number"
    outside = present & known & numbers.notna() & ((numbers < 0) | (numbers > 4))
    reason[outside] = "score " + text[outside] + " is outside 0–4"
    return reason


def import_responses(db, path, file_name: str | None = None) -> MaturityImport:
    """Import a maturity CSV: one transaction, the same file twice is a no-op that says so,
    answers to the same (date, department, rater, item) are updated, each bad answer (or row
    without a date, department or rater) is reported and not stored, the others are. Names
    resolve through the department aliases; departments new to the list join it (source
    "maturity file"). A file without a single valid answer is refused."""
    from cxdata.ingest.sniff import sniff

    fmt = sniff(path, file_name)
    earlier = store.find_dataset(db, fmt.sha256, "maturity", "default")
    listed = org_departments.stored_list(db)
    good, report = read_responses(path, file_name, org_departments.resolver(listed))
    if earlier:
        report.dataset_id, report.already_imported = earlier["id"], True
        return report
    if good.empty:
        first = report.problems[0] if report.rejected else None
        where = f" First problem: {first}." if first else ""
        raise InputError(f"File '{report.file}' has no valid maturity answers.{where}")
    report.new_departments = org_departments.new_departments(listed, good["department"])
    with store.transaction(db) as conn:
        org_departments.append_in(conn, report.new_departments, "maturity file")
        dataset_id = store.insert_dataset(
            conn,
            {
                "file_name": report.file,
                "kind": "maturity",
                "source": "default",
                "sha256": fmt.sha256,
                "rows": report.rows,
                "accepted": report.accepted,
                "inserted": report.answers,
                "updated": 0,
                "rejected": len(report.rejected),
                "blank": 0,
                "skipped": 0,
                "duplicates_in_file": 0,
                "mapping": {"layout": report.layout},
                "assumptions": report.assumptions,
                "warnings": [],
                "file_format": fmt.describe(),
            },
        )
        now = utc_now_text()
        app_tables.upsert_maturity_answers(
            conn,
            [
                (
                    r.assessed_at,
                    r.department,
                    r.rater,
                    r.item_id,
                    None if pd.isna(r.score) else float(r.score),
                    dataset_id,
                    now,
                )
                for r in good.itertuples(index=False)
            ],
        )
        store.insert_rejections(
            conn,
            dataset_id,
            (
                (
                    r["row"],
                    r["line"],
                    (f"item {r['item']}: " if r["item"] else "") + r["reason"],
                    [],
                )
                for r in report.rejected
            ),
        )
    report.dataset_id = dataset_id
    return report
