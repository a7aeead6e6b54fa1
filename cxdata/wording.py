"""Plain words for the NPS trends and Drivers pages: what a CEO reads on the shared screen.

The visible sentence says the facts and one verdict ("NPS +2 in Oct 2026 (439 responses), up
1 point on Sep 2026 — within normal month-to-month noise"); the statistics behind it (the
interval, p, the test's name, r) go into a detail line and tooltips, built here too, so the
two never disagree.
"""

from __future__ import annotations

import math

from cxdata import nps
from cxdata.formatting import column_label, natural_date, period_label, plus_minus_points, signed

CONFIDENCE = f"{nps.LEVEL:.0%}".replace("%", " %")  # "95 %"
REAL_CHANGE = f"a real change ({CONFIDENCE} confidence)"
_NOISE_SPAN = {"week": "week-to-week", "month": "month-to-month", "quarter": "quarter-to-quarter"}


def noise_verdict(significant: bool, period: str = "month", level: float = nps.LEVEL) -> str:
    """A change from the period before in words a CEO reads without statistics (the Trends
    read-out and the Briefing alike).

    >>> noise_verdict(True), noise_verdict(False)
    ('a real change (95 % confidence)', 'within normal month-to-month noise')
    >>> noise_verdict(False, "quarter")
    'within normal quarter-to-quarter noise'
    """
    if significant:
        return f"a real change ({level:.0%} confidence)".replace("%", " %")
    return f"within normal {_NOISE_SPAN.get(period, f'{period}-to-{period}')} noise"


def period_name(label) -> str:
    """A period label as people write it (:func:`cxdata.formatting.period_label`, the one the
    charts use): ``Oct 2026``, ``Q4 2024``, ``week 5, 2026``; a year as it is.

    >>> period_name("2026-10"), period_name("2024Q4"), period_name("2026-W05"), period_name(2025)
    ('Oct 2026', 'Q4 2024', 'week 5, 2026', '2025')
    """
    return period_label(label)


def lower_label(name: str) -> str:
    """A column's label inside a sentence: first letter lower-cased unless it is an acronym.

    >>> lower_label("delivery_delay_days"), lower_label("aht_min")
    ('delivery delay (days)', 'AHT (min)')
    """
    label = column_label(name)
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def driver_label(name: str) -> str:
    """A driver's name as people read it: a rating or KPI by its column label, a segment
    value as ``Channel: App``, a comment theme as ``Theme: billing``.

    >>> driver_label("first_contact_resolution"), driver_label("channel=App")
    ('First contact resolution', 'Channel: App')
    >>> driver_label("theme:billing"), driver_label("segment:channel")
    ('Theme: billing', 'Channel (each value)')
    """
    text = str(name)
    if text.startswith("theme:"):
        return f"Theme: {text[len('theme:') :]}"
    if text.startswith("segment:"):
        return f"{column_label(text[len('segment:') :])} (each value)"
    if "=" in text:
        column, _, value = text.partition("=")
        return f"{column_label(column)}: {value}"
    return column_label(text)


def points(value: float) -> str:
    """A whole number of NPS points in words.

    >>> points(0.6), points(-3.4), points(1.2)
    ('1 point', '3 points', '1 point')
    """
    whole = abs(round(value))
    return f"{whole} point" if whole == 1 else f"{whole} points"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def trend_sentence(row, period: str, up_to: str | None = None) -> str:
    """The latest period in one line: NPS, responses, the change from the period before and
    one verdict. ``row`` is a row of :func:`cxdata.nps.trend`; ``up_to`` the last day with
    data when the period is still running.

    Examples in tests/test_wording.py.
    """
    label = period_name(row["group"])
    n = int(row["n"])
    if row["hidden"]:
        return f"{label}: {n:,} responses, too few to show an NPS"
    so_far = f" so far (to {natural_date(up_to)}; " if up_to else " ("
    head = f"NPS {signed(row['nps'], 0)} in {label}{so_far}{n:,} responses)"
    before = period_name(nps.previous_period(str(row["group"]), period))
    change = row["change"]
    if _missing(change):
        return f"{head}; {before} had too few responses to compare"
    if round(change) == 0:
        moved = f"the same as {before}"
    else:
        moved = f"{'up' if change > 0 else 'down'} {points(change)} on {before}"
    return f"{head}, {moved} — {noise_verdict(bool(row['significant']), period)}"


def trend_detail(row, period: str) -> str:
    """The statistics behind :func:`trend_sentence`, for the tooltip and the detail line.

    Examples in tests/test_wording.py.
    """
    if row["hidden"]:
        return f"n = {int(row['n']):,}: fewer than {nps.HIDE_N} responses are hidden."
    text = (
        f"NPS {signed(row['nps'])}, {CONFIDENCE} interval {signed(row['ci_low'])} to "
        f"{signed(row['ci_high'])} (adjusted Wald), n = {int(row['n']):,}."
    )
    if _missing(row["change"]):
        return text + f" No change shown: the {period} before had no (or too few) responses."
    text += f" Change {signed(row['change'])} vs the {period} before"
    p = row.get("p_value")
    text += "" if _missing(p) else f", p = {p:.3f} (two-sample test)"
    if row["significant"]:
        return text + ": significant."
    needed = plus_minus_points(row["detectable_change"])
    return text + f": not significant — a change of {needed} is needed at this volume."


def strength(r: float) -> str:
    """How strong a correlation is, in the usual words (Cohen's 0.1 / 0.3 / 0.5).

    >>> strength(0.2), strength(0.63), strength(-0.35), strength(0.05)
    ('weak', 'strong', 'moderate', 'negligible')
    """
    size = abs(r)
    if size < 0.1:
        return "negligible"
    if size < 0.3:
        return "weak"
    if size < 0.5:
        return "moderate"
    return "strong"


def link_sentence(first: dict, last: dict, p: float | None) -> str:
    """Is the touchpoint-to-relationship link tightening, in one sentence. ``first`` and
    ``last`` have ``period`` and ``pearson_r``; ``p`` is the test of their difference.

    Examples in tests/test_wording.py.
    """
    a, b = float(first["pearson_r"]), float(last["pearson_r"])
    start, end = period_name(first["period"]), period_name(last["period"])
    lead = "The link between touchpoint and relationship scores"
    if p is None:
        return f"{lead} in {end}: {strength(b)} ({b:.2f})"
    significant = p < 1 - nps.LEVEL
    if not significant:
        return (
            f"{lead} stayed about the same: {strength(a)} ({a:.2f}) in {start}, "
            f"{strength(b)} ({b:.2f}) in {end} — within normal noise"
        )
    moved = "grew stronger" if abs(b) > abs(a) else "grew weaker"
    return (
        f"{lead} {moved}: from {strength(a)} ({a:.2f}) in {start} to {strength(b)} "
        f"({b:.2f}) in {end} — {REAL_CHANGE}"
    )


def link_detail(first: dict, last: dict, p: float | None) -> str:
    """The statistics behind :func:`link_sentence`.

    Examples in tests/test_wording.py.
    """
    text = (
        f"Pearson r = {first['pearson_r']:+.2f} in {period_name(first['period'])} "
        f"(n = {int(first['customers']):,}) → r = {last['pearson_r']:+.2f} in "
        f"{period_name(last['period'])} (n = {int(last['customers']):,})"
    )
    return text + ("." if p is None else f"; p = {p:.3g} (Fisher z test of the difference).")


def explained_sentence(r2: float | None, target: str, n: int) -> str:
    """How much of the score the chosen drivers explain, in words (R² in the tooltip).

    Examples in tests/test_wording.py.
    """
    if r2 is None:
        return f"These drivers could not be weighed on these {n:,} responses."
    return (
        f"Together these drivers explain {r2:.0%} of the differences in {target} between "
        f"responses ({n:,} responses)."
    ).replace("%", " %")


def names(items: list[str]) -> str:
    """A list of driver names in a sentence: ``Ease, Agent knowledge and Wait time (min)``.

    >>> names(["ease"]), names(["ease", "wait_time_min", "channel=App"]), names([])
    ('Ease', 'Ease, Wait time (min) and Channel: App', 'none')
    """
    labels = [driver_label(i) for i in items]
    if not labels:
        return "none"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def sample_note(sampled_from: int | None, rows: str = "responses") -> str:
    """What a figure read from the fixed pseudo-random sample says about it, or ``""`` when
    it was read from every row.

    >>> sample_note(3_000_000).split(":")[0]
    'Read from a fixed pseudo-random sample of about 100,000 of the 3,000,000 responses'
    >>> sample_note(None)
    ''
    """
    if not sampled_from:
        return ""
    from cxdata.store.links import SAMPLE_ROWS

    return (
        f"Read from a fixed pseudo-random sample of about {SAMPLE_ROWS:,} of the "
        f"{sampled_from:,} {rows}: counts are the sample's, and the intervals allow for it."
    )
