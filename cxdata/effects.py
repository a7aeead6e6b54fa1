"""Did a shipped fix move the score where it was aimed? The measured effect of each fix.

For an initiative with a ``shipped_at`` and a ``segment`` (``touchpoint=Billing enquiry``),
its effect is a difference in differences on the touchpoint survey's NPS:

    effect = (segment after − segment before) − (rest after − rest before)

where *before* is the ``before`` months ending the month before shipping, *after* the
``after`` months starting the month after the ramp ends (``ramp_months`` after the shipping
month), or as many of them as have data so far, and *rest* every response not in the segment.
Each of the four NPS is pooled over its window's counts; its variance is the Wald variance of
SPEC §4 (Rocks 2016: var = p_P + p_D − (p_P − p_D)², over n, times 100² on the −100…100 scale;
the adjusted-Wald one when the Wald variance is 0), and the four windows are independent
samples, so the effect's variance is the sum of the four. A fix without a segment (the whole
NPS) has no comparison group: its effect is the before/after change alone, and says so.

The effect on the overall NPS is the effect times the segment's share of the after window's
responses: what the segment's gain adds to the whole. Cost per measured point divides the
fix's cost by that overall effect, beside the expected one (cost / ``effect_likely``: the plan's
effects are points of the overall NPS).

Also here: the notes on the trend (``add_note``, ``notes``, ``delete_note``) and the marks the
trend chart draws (``annotations``), and the one line the Briefing and the Milestones page say
about shipped fixes (``shipped_summary``).

Examples
--------
Billing goes from NPS +20 to +40 while the other 100 responses a month stay at 0: +20.

>>> counts = pd.DataFrame({
...     "segment": ["touchpoint=Billing"] * 6 + [""] * 6,
...     "month": ["2025-01", "2025-02", "2025-03", "2025-05", "2025-06", "2025-07"] * 2,
...     "detractors": [20] * 3 + [10] * 3 + [50] * 3 + [40] * 3,
...     "passives": [40] * 6 + [80] * 6,
...     "promoters": [40] * 3 + [50] * 3 + [70] * 3 + [80] * 3,
... })
>>> fix = pd.DataFrame([{"name": "Bill fix", "segment": "touchpoint=Billing",
...     "shipped_at": "2025-04-10", "ramp_months": 0, "effect_likely": 2, "cost": 1000}])
>>> row = effects_from_counts(fix, counts).iloc[0]
>>> float(row["segment_change"]), float(row["rest_change"]), float(row["effect"])
(20.0, 0.0, 20.0)
>>> print(row["verdict"])  # doctest: +NORMALIZE_WHITESPACE
+20 points on Billing (95 % CI +3 to +37): it worked, ahead of the +2.0 expected
(+10.0 on the overall NPS)
"""

# No ``from __future__ import annotations``: this module's ``annotations`` is a function.
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from cxdata import milestones, nps
from cxdata.errors import InputError
from cxdata.formatting import period_label, signed
from cxdata.store import notes as notes_store

BEFORE_MONTHS = 3
AFTER_MONTHS = 3
MIN_AFTER_MONTHS = 2  # fewer months of data after the ramp: too early to say
LABEL_CHARS = 22  # an annotation's label on the chart is cut to this many characters
BANDS = ["detractors", "passives", "promoters"]

EFFECT_COLUMNS = [
    "name", "owner", "segment", "shipped_at", "ramp_months", "before_from", "before_to",
    "before_months", "before_n", "before_nps", "after_from", "after_to", "after_months",
    "after_n", "after_nps", "segment_change", "rest_before_nps", "rest_after_nps",
    "rest_change", "effect", "ci_low", "ci_high", "share", "overall_effect",
    "overall_ci_low", "overall_ci_high", "expected", "cost", "cost_per_point",
    "expected_cost_per_point", "measured", "outcome", "not_separable", "overlaps_with",
    "verdict",
]  # fmt: skip


# --- counts --------------------------------------------------------------------------------


def monthly_segment_counts(db, segments: Iterable[str | None]) -> pd.DataFrame:
    """Detractors / passives / promoters per ``month`` (YYYY-MM) of the touchpoint survey, for
    every response (``segment`` "") and for each segment (``column=Value``) given."""
    frames = []
    wanted = {""} | {s for s in segments if isinstance(s, str) and s.strip()}
    for segment in sorted(wanted):
        parsed = milestones.parse_segment(segment)
        where = () if parsed is None else (parsed,)
        daily = nps.daily_counts(db, nps.Query(where=where))
        if daily.empty:
            continue
        monthly = daily.assign(month=daily["day"].str[:7]).groupby("month", as_index=False)[BANDS]
        frames.append(monthly.sum().assign(segment=segment))
    if not frames:
        return pd.DataFrame(columns=["segment", "month", *BANDS])
    return pd.concat(frames, ignore_index=True)[["segment", "month", *BANDS]]


def nps_variance(detractors, passives, promoters) -> float:
    """Variance of an NPS (on −100…100) from its counts: the Wald variance of SPEC §4
    (Rocks 2016), 100² · (p_P + p_D − (p_P − p_D)²) / n; when that is 0 (every answer in one
    group) the adjusted-Wald one (0.75 / 1.5 / 0.75 added), so an interval never has width 0.
    NaN when n = 0.

    >>> round(nps_variance(20, 30, 50), 4)  # (0.5 + 0.2 − 0.3²) / 100 · 100²
    61.0
    """
    d, pa, p = float(detractors), float(passives), float(promoters)
    n = d + pa + p
    if n <= 0:
        return math.nan
    var = p / n + d / n - ((p - d) / n) ** 2
    if var <= 0:
        d, pa, p = d + 0.75, pa + 1.5, p + 0.75
        n = d + pa + p
        var = p / n + d / n - ((p - d) / n) ** 2
    return 100**2 * var / n


def _pooled(counts: pd.DataFrame, months: list[str]) -> tuple[float, float, float, int]:
    """Detractors, passives, promoters pooled over ``months``, and how many had responses."""
    rows = counts[counts["month"].isin(months)]
    d, pa, p = (float(rows[b].sum()) for b in BANDS)
    return d, pa, p, int((rows[BANDS].sum(axis=1) > 0).sum())


def _stats(d: float, pa: float, p: float) -> tuple[int, float, float]:
    """(n, NPS, variance of the NPS) of pooled counts; NaN NPS and variance when n = 0."""
    n = int(round(d + pa + p))
    if n <= 0:
        return 0, math.nan, math.nan
    return n, 100 * (p - d) / n, nps_variance(d, pa, p)


def _months(first: int, count: int) -> list[str]:
    return [milestones.month_label(first + k) for k in range(count)]


# --- the measured effects ------------------------------------------------------------------


def measured_effects(
    db,
    portfolio: pd.DataFrame,
    *,
    before: int = BEFORE_MONTHS,
    after: int = AFTER_MONTHS,
    level: float = nps.LEVEL,
    up_to: str | None = None,
) -> pd.DataFrame:
    """The measured effect of each shipped fix of ``portfolio`` (one scenario's initiatives,
    as :func:`cxdata.milestones.load_initiatives` returns them), from the database's
    touchpoint survey counts; one row per fix with a ``shipped_at`` (``EFFECT_COLUMNS``), in
    shipping order. With ``up_to`` (YYYY-MM), as known at that month: the fixes shipped by
    then, measured on the counts up to it (the briefing's rule). See
    :func:`effects_from_counts`."""
    shipped = _shipped(portfolio)
    if up_to is not None:
        shipped = shipped[shipped["shipped_at"].astype(str).str[:7] <= up_to]
    counts = monthly_segment_counts(db, shipped["segment"] if "segment" in shipped else [])
    if up_to is not None:
        counts = counts[counts["month"] <= up_to]
    return effects_from_counts(shipped, counts, before=before, after=after, level=level)


def _shipped(portfolio: pd.DataFrame) -> pd.DataFrame:
    if portfolio is None or portfolio.empty or "shipped_at" not in portfolio:
        return pd.DataFrame(columns=["name", "shipped_at", "segment"])
    keep = portfolio["shipped_at"].notna() & (portfolio["shipped_at"].astype(str).str.strip() != "")
    if "status" in portfolio:
        keep &= portfolio["status"].astype(str) != "dropped"
    return portfolio[keep]


def effects_from_counts(
    portfolio: pd.DataFrame,
    counts: pd.DataFrame,
    *,
    before: int = BEFORE_MONTHS,
    after: int = AFTER_MONTHS,
    level: float = nps.LEVEL,
) -> pd.DataFrame:
    """The measured effects of ``portfolio``'s shipped fixes from monthly ``counts``
    (``segment``, ``month``, detractors, passives, promoters; segment "" = every response, as
    :func:`monthly_segment_counts` gives them).

    Parameters
    ----------
    portfolio : DataFrame
        Initiatives with ``name``, ``shipped_at`` (a date; its month is the shipping month),
        ``ramp_months``, ``segment`` (``column=Value`` or blank), ``effect_likely``, ``cost``.
        Rows without ``shipped_at`` are left out.
    before, after : int
        Months in the window before shipping and after the ramp.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        ``EFFECT_COLUMNS``. ``effect`` and its interval are on the segment's NPS; ``share``
        is the segment's share of the after window's responses and ``overall_effect`` the
        effect times it (1 for a whole-NPS fix). ``measured`` is True when there is an
        estimate; ``outcome`` is "worked", "no effect", "worse", "too early" or "too few";
        ``not_separable`` marks fixes whose windows overlap another's on the same segment.
        ``cost_per_point`` (cost / overall effect) is given only when it worked: an
        interval that includes 0 has measured no point to price.
    """
    if before < 1 or after < 1:
        raise InputError(f"--before and --after must be at least 1 month (got {before}, {after}).")
    z = nps._z(level)
    shipped = _shipped(portfolio)
    total = counts[counts["segment"] == ""]
    last_month = total.loc[total[BANDS].sum(axis=1) > 0, "month"].max() if len(total) else None
    rows = []
    for fix in shipped.to_dict("records"):
        rows.append(_effect(fix, counts, total, last_month, before, after, z, level))
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    out["segment"] = out["segment"].astype(object).where(out["segment"].notna(), None)
    out = _flag_overlaps(out)
    return out.sort_values("shipped_at", kind="stable").reset_index(drop=True)


def _effect(fix, counts, total, last_month, before, after, z, level) -> dict:
    shipped_at = str(fix["shipped_at"]).strip()
    try:
        ship = milestones.month_index(shipped_at[:7])
    except InputError:
        raise InputError(
            f"Initiative '{fix['name']}': shipped_at '{shipped_at}' is not a date (YYYY-MM-DD)."
        ) from None
    ramp = int(_num(fix.get("ramp_months")) or 0)
    segment = milestones.segment_text(fix.get("segment"))
    before_months = _months(ship - before, before)
    after_months = _months(ship + ramp + 1, after)
    if last_month is not None:
        after_months = [m for m in after_months if m <= last_month]
    seg_counts = total if segment is None else counts[counts["segment"] == segment]
    seg_b, seg_a = _pooled(seg_counts, before_months), _pooled(seg_counts, after_months)
    all_b, all_a = _pooled(total, before_months), _pooled(total, after_months)
    sb_n, sb_nps, sb_var = _stats(*seg_b[:3])
    sa_n, sa_nps, sa_var = _stats(*seg_a[:3])
    sb_m, sa_m = seg_b[3], seg_a[3]
    data_after = all_a[3]  # months after the ramp with any response: how far time has come
    row: dict = {c: None for c in EFFECT_COLUMNS}
    expected = _num(fix.get("effect_likely"))
    cost = _num(fix.get("cost"))
    row.update(
        name=fix["name"],
        owner=fix.get("owner"),
        segment=segment,
        shipped_at=shipped_at[:10],
        ramp_months=ramp,
        before_from=before_months[0],
        before_to=before_months[-1],
        before_months=sb_m,
        before_n=sb_n,
        before_nps=_none(sb_nps),
        after_from=milestones.month_label(ship + ramp + 1),
        after_to=after_months[-1] if after_months else None,
        after_months=sa_m,
        after_n=sa_n,
        after_nps=_none(sa_nps),
        expected=expected,
        cost=cost,
        expected_cost_per_point=cost / expected if cost is not None and expected else None,
        measured=False,
        not_separable=False,
        overlaps_with=[],
    )
    where = _where(segment)
    if data_after < MIN_AFTER_MONTHS:
        row["outcome"] = "too early"
        if data_after == 0:
            row["verdict"] = (
                f"too early: no data after the ramp yet (from {period_label(row['after_from'])})"
            )
        else:
            row["verdict"] = "too early: 1 month of data after the ramp"
        return row
    if sb_n < nps.HIDE_N or sa_n < nps.HIDE_N or sa_m < MIN_AFTER_MONTHS:
        row["outcome"] = "too few"
        row["verdict"] = (
            f"too few responses on {where} to measure (n = {sb_n} before, {sa_n} after)"
        )
        return row
    change = sa_nps - sb_nps
    var = sb_var + sa_var
    if segment is None:
        effect, share = change, 1.0
    else:
        # The rest: every response not in the segment, the whole's counts minus the segment's.
        rest_b = _stats(*(a - b for a, b in zip(all_b[:3], seg_b[:3])))
        rest_a = _stats(*(a - b for a, b in zip(all_a[:3], seg_a[:3])))
        if rest_b[0] < nps.HIDE_N or rest_a[0] < nps.HIDE_N:
            row["outcome"] = "too few"
            row["verdict"] = f"too few responses outside {where} to compare with"
            return row
        rest_change = rest_a[1] - rest_b[1]
        effect = change - rest_change
        var += rest_b[2] + rest_a[2]
        share = sa_n / (sa_n + rest_a[0])
        row.update(rest_before_nps=rest_b[1], rest_after_nps=rest_a[1], rest_change=rest_change)
    half = z * math.sqrt(var)
    row.update(
        segment_change=change,
        effect=effect,
        ci_low=effect - half,
        ci_high=effect + half,
        share=share,
        overall_effect=effect * share,
        overall_ci_low=(effect - half) * share,
        overall_ci_high=(effect + half) * share,
        measured=True,
    )
    row["outcome"], row["verdict"] = _verdict(row, where, after, level)
    if cost is not None and row["outcome"] == "worked":  # a point only when one was measured
        row["cost_per_point"] = cost / (effect * share)
    return row


def _where(segment: str | None) -> str:
    parsed = milestones.parse_segment(segment)
    return "the whole NPS" if parsed is None else parsed[1]


def _verdict(row: dict, where: str, after: int, level: float) -> tuple[str, str]:
    pct = f"{level:.0%}".replace("%", " %")
    effect, low, high = row["effect"], row["ci_low"], row["ci_high"]
    interval = f"{pct} CI {signed(low, 0)} to {signed(high, 0)}"
    whole = row["segment"] is None
    tail = " (no comparison group: before/after only)" if whole else ""
    if low > 0:
        expected = row["expected"]
        against = ""
        if expected is not None:
            overall = row["overall_effect"]
            word = "ahead of" if overall > expected + 0.05 else "behind"
            if abs(overall - expected) <= 0.05:
                word = "as"
            against = f", {word} the {signed(expected)} expected"
            if not whole:
                against += f" ({signed(overall)} on the overall NPS)"
        text = f"{signed(effect, 0)} points on {where} ({interval}): it worked{against}"
        return "worked", text + tail
    if high < 0:
        return "worse", f"worse: {signed(effect, 0)} points on {where} ({interval}){tail}"
    yet = " yet" if row["after_months"] < after else ""
    return "no effect", (
        f"no measurable effect{yet} on {where} ({signed(effect, 0)}, "
        f"CI {signed(low, 0)} to {signed(high, 0)}){tail}"
    )


def _flag_overlaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixes on the same segment (or both on the whole NPS) whose windows, from the first
    month before to the last month after, overlap: their effects cannot be told apart."""
    if frame.empty:
        return frame
    spans = []
    for row in frame.itertuples():
        end = row.after_to or row.after_from
        spans.append((row.Index, row.segment or "", row.before_from, end))
    for i, seg, start, end in spans:
        others = [
            frame.at[j, "name"]
            for j, seg2, start2, end2 in spans
            if j != i and seg2 == seg and start <= end2 and start2 <= end
        ]
        if others:
            frame.at[i, "not_separable"] = True
            frame.at[i, "overlaps_with"] = others
            frame.at[i, "verdict"] = (
                f"{frame.at[i, 'verdict']}; not separable from {', '.join(others)} "
                "(their windows overlap on the same segment)"
            )
    return frame


def _num(value) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _none(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def effect_dicts(frame: pd.DataFrame) -> list[dict]:
    """The effects as the ``effects --json`` command prints them: per fix ``name``,
    ``segment``, ``shipped_at``, ``before`` / ``after`` (``n``, ``nps``, ``from``, ``to``,
    ``months``), ``rest_change``, ``effect``, ``ci_low``, ``ci_high``, ``share``,
    ``overall_effect``, ``expected``, ``cost``, ``cost_per_point``,
    ``expected_cost_per_point``, ``outcome``, ``not_separable``, ``overlaps_with`` and
    ``verdict`` (numbers rounded to 2 decimals; None when there is none)."""

    def num(x):
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 2)

    out = []
    for r in frame.to_dict("records"):
        out.append(
            {
                "name": r["name"],
                "segment": r["segment"],
                "shipped_at": r["shipped_at"],
                "before": {
                    "n": int(r["before_n"]),
                    "nps": num(r["before_nps"]),
                    "from": r["before_from"],
                    "to": r["before_to"],
                    "months": int(r["before_months"]),
                },
                "after": {
                    "n": int(r["after_n"]),
                    "nps": num(r["after_nps"]),
                    "from": r["after_from"],
                    "to": r["after_to"],
                    "months": int(r["after_months"]),
                },
                "rest_change": num(r["rest_change"]),
                "effect": num(r["effect"]),
                "ci_low": num(r["ci_low"]),
                "ci_high": num(r["ci_high"]),
                "share": num(r["share"]),
                "overall_effect": num(r["overall_effect"]),
                "expected": num(r["expected"]),
                "cost": num(r["cost"]),
                "cost_per_point": num(r["cost_per_point"]),
                "expected_cost_per_point": num(r["expected_cost_per_point"]),
                "outcome": r["outcome"],
                "not_separable": bool(r["not_separable"]),
                "overlaps_with": list(r["overlaps_with"] or []),
                "verdict": r["verdict"],
            }
        )
    return out


# --- the one line about shipped fixes ------------------------------------------------------


def shipped_summary(effects: pd.DataFrame) -> dict:
    """What the shipped fixes delivered, in one line for the Briefing and the Milestones page:
    the sum of the measured effects on the overall NPS against the sum of the expected ones,
    counting only fixes with a measured effect against a comparison group (a whole-NPS fix's
    before/after change also holds everything else that moved; it is counted apart). Fixes
    that are not separable count once, with their expected effects added up.

    Returns ``{"shipped", "measured", "too_early", "before_after_only", "too_few",
    "measured_points", "planned_points", "text"}``.

    >>> frame = pd.DataFrame({"segment": ["touchpoint=A", "channel=B", None],
    ...     "measured": [True, False, True], "outcome": ["worked", "too early", "worked"],
    ...     "overall_effect": [3.14, None, 2.0], "expected": [3.0, 1.0, 0.5]})
    >>> print(shipped_summary(frame)["text"])  # doctest: +NORMALIZE_WHITESPACE
    3 fixes shipped: +3.1 measured vs +3 planned (1 too early to tell; 1 on the whole NPS,
    before/after only, not counted)
    """
    shipped = len(effects)
    if shipped == 0:
        return {
            "shipped": 0,
            "measured": 0,
            "too_early": 0,
            "before_after_only": 0,
            "too_few": 0,
            "measured_points": None,
            "planned_points": None,
            "text": "No fix shipped yet.",
        }
    measured = effects["measured"].astype(bool)
    whole = effects["segment"].isna() | (effects["segment"].astype(str) == "")
    counted = _once_per_overlap(effects[measured & ~whole])
    too_early = int((effects["outcome"] == "too early").sum())
    too_few = int((effects["outcome"] == "too few").sum())
    before_after = int((measured & whole).sum())
    points = float(counted["overall_effect"].sum()) if len(counted) else None
    planned = float(pd.to_numeric(counted["expected"]).fillna(0).sum()) if len(counted) else None
    fixes = "1 fix shipped" if shipped == 1 else f"{shipped} fixes shipped"
    if points is None:
        text = f"{fixes}: none measured yet"
    else:
        text = f"{fixes}: {signed(points)} measured vs {_points(planned)} planned"
    notes = []
    if too_early:
        notes.append(f"{too_early} too early to tell")
    if too_few:
        notes.append(f"{too_few} with too few responses")
    if before_after:
        notes.append(f"{before_after} on the whole NPS, before/after only, not counted")
    if notes:
        text += f" ({'; '.join(notes)})"
    return {
        "shipped": shipped,
        "measured": len(counted),
        "too_early": too_early,
        "before_after_only": before_after,
        "too_few": too_few,
        "measured_points": None if points is None else round(points, 2),
        "planned_points": None if planned is None else round(planned, 2),
        "text": text,
    }


def _once_per_overlap(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each group of fixes that are not separable (windows overlapping on the
    same segment) as one row: the mean of their measured overall effects (each measured the
    same joint change) against the sum of their expected effects."""
    if frame.empty or "overlaps_with" not in frame or not frame["not_separable"].any():
        return frame
    group: dict[str, str] = {}

    def root(name: str) -> str:
        while group.get(name, name) != name:
            name = group[name]
        return name

    for name, others in zip(frame["name"], frame["overlaps_with"]):
        for other in others or []:
            group[root(other)] = root(name)
    keys = frame["name"].map(root)
    return frame.groupby(keys, sort=False).agg(
        overall_effect=("overall_effect", "mean"), expected=("expected", "sum")
    )


def _points(value: float | None) -> str:
    """Planned points as people write them: ``+8``, ``+7.5``."""
    if value is None:
        return "–"
    return signed(value, 0) if float(value).is_integer() else signed(value)


# --- notes and annotations -----------------------------------------------------------------


def add_note(db, month: str, text: str) -> int:
    """Store a note on the trend ("price rise") at ``month`` (YYYY-MM, or a date in it);
    returns its id. Refused: a month that is not one, an empty text."""
    label = str(month).strip()[:7]
    try:
        milestones.month_index(label)
    except InputError:
        raise InputError(f"Note month '{month}' must be YYYY-MM (e.g. 2026-03).") from None
    words = " ".join(str(text or "").split())
    if not words:
        raise InputError("A note needs some text (e.g. 'price rise').")
    if len(words) > 200:
        raise InputError(f"A note is at most 200 characters (this one has {len(words)}).")
    return notes_store.add_note(db, label, words)


def notes(db) -> pd.DataFrame:
    """Every stored note: ``id``, ``month`` (YYYY-MM), ``text``, ``created_at``."""
    return notes_store.notes(db)


def delete_note(db, note_id: int) -> None:
    """Delete one note; refused when there is none with that id."""
    if not notes_store.delete_note(db, int(note_id)):
        raise InputError(f"There is no note with id {note_id}.")


def annotations(db, portfolio: pd.DataFrame) -> pd.DataFrame:
    """The marks on the NPS trend: each shipped fix of ``portfolio`` at its shipping month
    (``kind`` "fix") and each stored note at its month (``kind`` "note"); columns ``month``
    (YYYY-MM), ``label`` (at most ``LABEL_CHARS`` characters), ``kind``, in month order."""
    rows = [
        {"month": str(r["shipped_at"]).strip()[:7], "label": _short(r["name"]), "kind": "fix"}
        for r in _shipped(portfolio).to_dict("records")
    ]
    rows += [
        {"month": r["month"], "label": _short(r["text"]), "kind": "note"}
        for r in notes(db).to_dict("records")
    ]
    frame = pd.DataFrame(rows, columns=["month", "label", "kind"])
    return frame.sort_values(["month", "kind"], kind="stable").reset_index(drop=True)


def _short(text) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= LABEL_CHARS else words[: LABEL_CHARS - 1].rstrip() + "…"
