"""The measured effect of a shipped fix (difference in differences), notes on the trend and
the line about shipped fixes."""

import math

import numpy as np
import pandas as pd
import pytest

from cxdata import charts, effects, milestones, nps
from cxdata.errors import InputError

BEFORE = ["2025-01", "2025-02", "2025-03"]
AFTER = ["2025-05", "2025-06", "2025-07"]


def _fix(name="Fix", segment="touchpoint=Billing", shipped_at="2025-04-10", ramp=0, **extra):
    return {
        "name": name,
        "segment": segment,
        "shipped_at": shipped_at,
        "ramp_months": ramp,
        "effect_likely": extra.get("expected", 2.0),
        "cost": extra.get("cost", 10_000.0),
        "status": "shipped",
    }


def _counts(cells: dict) -> pd.DataFrame:
    """Monthly counts from {(segment, month): (D, Pa, P)}, the whole ("") added up from the
    segments and the rest (segment "rest", which is not a stored segment)."""
    rows = []
    months = sorted({m for _, m in cells})
    for month in months:
        total = np.zeros(3)
        for (segment, m), bands in cells.items():
            if m != month:
                continue
            total += bands
            if segment != "rest":
                rows.append((segment, month, *bands))
        rows.append(("", month, *total))
    return pd.DataFrame(rows, columns=["segment", "month", *effects.BANDS])


def _world(rng, seg_before, seg_after, rest_before, rest_after, n_seg=100, n_rest=300):
    """Counts drawn from (p_D, p_Pa, p_P) per window: three months before, three after."""
    cells = {}
    for months, seg_p, rest_p in (
        (BEFORE, seg_before, rest_before),
        (AFTER, seg_after, rest_after),
    ):
        for m in months:
            cells[("touchpoint=Billing", m)] = rng.multinomial(n_seg, seg_p)
            cells[("rest", m)] = rng.multinomial(n_rest, rest_p)
    return _counts(cells)


SEG_BEFORE, SEG_AFTER = (0.30, 0.40, 0.30), (0.225, 0.40, 0.375)
REST = (0.25, 0.40, 0.35)


def test_interval_covers_the_planted_effect():
    counts = _world(np.random.default_rng(3), SEG_BEFORE, SEG_AFTER, REST, REST)
    row = effects.effects_from_counts(pd.DataFrame([_fix()]), counts).iloc[0]
    assert row["ci_low"] <= 15 <= row["ci_high"]


def test_placebo_interval_covers_zero():
    counts = _world(np.random.default_rng(3), SEG_BEFORE, SEG_BEFORE, REST, REST)
    row = effects.effects_from_counts(pd.DataFrame([_fix()]), counts).iloc[0]
    assert row["ci_low"] <= 0 <= row["ci_high"]
    assert row["outcome"] == "no effect"


def test_interval_covers_the_planted_effect_95_percent_of_the_time():
    # 200 worlds with a common +10 shift (both the segment and the rest gain 10 points after)
    # and a true effect of +15 on the segment: the 95 % interval should miss about 5 % of
    # the time (binomial sd for 200 worlds ≈ 1.5 %, so 90–99 % is a wide, stable band).
    rng = np.random.default_rng(2026)
    seg_after = (0.175, 0.40, 0.425)  # 0 → +25 = +15 effect + 10 common
    rest_after = (0.20, 0.40, 0.40)  # +10 → +20
    fix = pd.DataFrame([_fix()])
    covered = 0
    for _ in range(200):
        counts = _world(rng, SEG_BEFORE, seg_after, REST, rest_after)
        row = effects.effects_from_counts(fix, counts).iloc[0]
        covered += row["ci_low"] <= 15 <= row["ci_high"]
    assert 0.90 <= covered / 200 <= 0.99


def test_did_variance_is_the_sum_of_the_four_nps_variances_worked_by_hand():
    # The variance of an NPS from its counts is the Wald variance of SPEC §4 (Rocks 2016,
    # "Interval estimation for the Net Promoter Score", The American Statistician 70(4)):
    # var = p_P + p_D − (p_P − p_D)², over n, times 100² on the −100…100 scale.
    #   segment before (D, Pa, P) = (20, 30, 50): (.5 + .2 − .3²) / 100 · 10⁴ = 61
    #   segment after  (10, 30, 60):              (.6 + .1 − .5²) / 100 · 10⁴ = 45
    #   rest before    (30, 30, 40):              (.4 + .3 − .1²) / 100 · 10⁴ = 69
    #   rest after     (25, 35, 40):          (.4 + .25 − .15²) / 100 · 10⁴ = 62.75
    # effect = (50 − 30) − (15 − 10) = 15; se = √(61 + 45 + 69 + 62.75) = √237.75 = 15.4191;
    # 95 % half-width = 1.959964 · 15.4191 = 30.2209.
    # One month before (March), two after (May and June pooled: the sums above).
    counts = _counts(
        {
            ("touchpoint=Billing", "2025-03"): (20, 30, 50),
            ("rest", "2025-03"): (30, 30, 40),
            ("touchpoint=Billing", "2025-05"): (5, 15, 30),
            ("touchpoint=Billing", "2025-06"): (5, 15, 30),
            ("rest", "2025-05"): (12, 18, 20),
            ("rest", "2025-06"): (13, 17, 20),
        }
    )
    row = effects.effects_from_counts(pd.DataFrame([_fix()]), counts, before=1, after=2).iloc[0]
    assert row["effect"] == pytest.approx(15)
    assert row["ci_high"] - row["effect"] == pytest.approx(30.2209, abs=1e-4)


def test_nps_variance_falls_back_to_adjusted_wald_when_all_answers_are_promoters():
    # Wald var of (0, 0, 10) is 1 + 0 − 1² = 0; adjusted (.75, 1.5, 10.75), n = 13:
    # (10.75 + .75)/13 − (10/13)² = .884615 − .591716 = .292899, / 13 · 10⁴ = 225.307
    assert effects.nps_variance(0, 0, 10) == pytest.approx(225.307, abs=1e-3)


def test_one_month_after_the_ramp_is_too_early():
    counts = _counts(
        {("touchpoint=Billing", m): (30, 40, 30) for m in [*BEFORE, "2025-05"]}
        | {("rest", m): (30, 40, 30) for m in [*BEFORE, "2025-05"]}
    )
    row = effects.effects_from_counts(pd.DataFrame([_fix()]), counts).iloc[0]
    assert row["outcome"] == "too early" and row["effect"] is None
    assert row["verdict"] == "too early: 1 month of data after the ramp"


def test_the_after_window_starts_the_month_after_the_ramp():
    counts = _world(np.random.default_rng(1), SEG_BEFORE, SEG_AFTER, REST, REST)
    row = effects.effects_from_counts(pd.DataFrame([_fix(ramp=2)]), counts).iloc[0]
    # shipped April, ramp 2 → ramp ends June, after window from July: one month of data.
    assert (row["after_from"], row["after_months"], row["outcome"]) == ("2025-07", 1, "too early")


def test_fixes_whose_windows_overlap_on_the_same_segment_are_not_separable():
    counts = _world(np.random.default_rng(1), SEG_BEFORE, SEG_AFTER, REST, REST)
    fixes = pd.DataFrame(
        [
            _fix("A"),
            _fix("B", shipped_at="2025-03-01"),
            _fix("C", segment="channel=Phone", shipped_at="2025-03-01"),
        ]
    )
    out = effects.effects_from_counts(fixes, counts).set_index("name")
    assert out.loc["A", "not_separable"] and out.loc["B", "not_separable"]
    assert out.loc["A", "overlaps_with"] == ["B"]
    assert "not separable from B" in out.loc["A", "verdict"]
    assert not out.loc["C", "not_separable"]


def test_a_whole_nps_fix_is_measured_before_after_only():
    counts = _world(np.random.default_rng(1), SEG_BEFORE, SEG_AFTER, REST, REST)
    row = effects.effects_from_counts(pd.DataFrame([_fix(segment=None)]), counts).iloc[0]
    total = counts[counts["segment"] == ""]

    def pooled(months):
        t = total[total["month"].isin(months)][effects.BANDS].sum()
        return 100 * (t["promoters"] - t["detractors"]) / t.sum()

    assert row["effect"] == pytest.approx(pooled(AFTER) - pooled(BEFORE))
    assert row["rest_change"] is None or math.isnan(row["rest_change"])
    assert row["share"] == 1.0
    assert row["verdict"].endswith("(no comparison group: before/after only)")


def test_a_clear_drop_is_worse():
    counts = _world(
        np.random.default_rng(5), SEG_AFTER, SEG_BEFORE, REST, REST, n_seg=2000, n_rest=1500
    )
    row = effects.effects_from_counts(pd.DataFrame([_fix()]), counts).iloc[0]
    assert row["outcome"] == "worse" and row["verdict"].startswith("worse: -")


def test_a_fix_that_worked_says_so_against_the_expected_on_the_overall_nps():
    counts = _world(
        np.random.default_rng(5), SEG_BEFORE, SEG_AFTER, REST, REST, n_seg=2000, n_rest=1500
    )
    row = effects.effects_from_counts(pd.DataFrame([_fix(expected=1.0)]), counts).iloc[0]
    assert row["outcome"] == "worked"
    # the segment is 2,000 of 3,500 responses a month: its gain adds 4/7 of itself to the whole
    assert row["overall_effect"] == pytest.approx(row["effect"] * 2000 / 3500)
    assert "it worked, ahead of the +1.0 expected" in row["verdict"]
    assert row["cost_per_point"] == pytest.approx(10_000 / row["overall_effect"])


def test_an_unmeasured_fix_has_no_cost_per_point():
    counts = _world(np.random.default_rng(3), SEG_BEFORE, SEG_BEFORE, REST, REST)
    row = effects.effects_from_counts(pd.DataFrame([_fix()]), counts).iloc[0]
    assert row["cost_per_point"] is None
    assert row["expected_cost_per_point"] == 5000  # 10,000 / 2 expected points


def test_a_fix_not_shipped_is_left_out():
    counts = _world(np.random.default_rng(1), SEG_BEFORE, SEG_AFTER, REST, REST)
    planned = {**_fix(), "shipped_at": None, "status": "planned"}
    assert effects.effects_from_counts(pd.DataFrame([planned]), counts).empty


def test_shipped_summary_sums_measured_against_planned_and_counts_the_too_early():
    frame = pd.DataFrame(
        {
            "segment": ["touchpoint=A", "touchpoint=B", "channel=C"],
            "measured": [True, True, False],
            "outcome": ["worked", "no effect", "too early"],
            "overall_effect": [5.0, 2.4, None],
            "expected": [3.5, 4.5, 1.0],
        }
    )
    out = effects.shipped_summary(frame)
    # measured 5.0 + 2.4 = 7.4 against 3.5 + 4.5 = 8 planned; the too-early fix in neither
    assert out["text"] == "3 fixes shipped: +7.4 measured vs +8 planned (1 too early to tell)"
    assert (out["measured"], out["too_early"]) == (2, 1)


def test_notes_are_stored_listed_and_deleted(db):
    first = effects.add_note(db, "2026-03-15", "  Price   rise ")
    effects.add_note(db, "2025-11", "New IVR")
    listed = effects.notes(db)
    assert listed[["month", "text"]].values.tolist() == [
        ["2025-11", "New IVR"],
        ["2026-03", "Price rise"],
    ]
    effects.delete_note(db, first)
    assert effects.notes(db)["text"].tolist() == ["New IVR"]


@pytest.mark.parametrize(("month", "text"), [("March", "x"), ("2026-13", "x"), ("2026-03", " ")])
def test_a_bad_note_is_refused(db, month, text):
    with pytest.raises(InputError):
        effects.add_note(db, month, text)
    assert effects.notes(db).empty


def test_deleting_a_missing_note_says_so(db):
    with pytest.raises(InputError, match="no note with id 9"):
        effects.delete_note(db, 9)


def test_annotations_mark_shipped_fixes_and_notes_at_their_month(db):
    effects.add_note(db, "2025-05", "Price rise")
    portfolio = pd.DataFrame([_fix("Billing fix"), {**_fix("Later"), "shipped_at": None}])
    out = effects.annotations(db, portfolio)
    assert out.values.tolist() == [
        ["2025-04", "Billing fix", "fix"],
        ["2025-05", "Price rise", "note"],
    ]


def test_trend_chart_draws_a_rule_and_label_only_at_months_on_its_axis():
    table = nps.summarise(
        pd.DataFrame(
            {
                "group": ["2025-09", "2025-10", "2025-11"],
                "detractors": [30, 28, 25],
                "passives": [40, 40, 40],
                "promoters": [30, 32, 35],
            }
        ),
        ["group"],
        period="month",
    )
    marks = pd.DataFrame(
        {"month": ["2025-10", "2024-01"], "label": ["Billing fix", "Old"], "kind": ["fix", "note"]}
    )
    spec = charts.nps_trend_chart(table, annotations=marks).to_dict()
    plain = charts.nps_trend_chart(table).to_dict()
    added = spec["layer"][len(plain["layer"]) :]
    assert [layer["mark"]["type"] for layer in added] == ["rule", "text"]
    data = spec["datasets"][added[0]["data"]["name"]]
    assert [(d["group"], d["label"]) for d in data] == [("Oct 2025", "Billing fix")]


def test_a_segment_column_that_is_no_survey_segment_is_refused():
    frame = pd.DataFrame(
        [
            {
                **_fix(segment="colour=Red"),
                "owner": "CS",
                "start_month": "2025-01",
                "effect_low": 1,
                "effect_high": 3,
                "probability": 0.5,
            }
        ]  # fmt: skip
    )
    good, problems = milestones.check_initiatives(frame)
    assert good.empty and "segment 'colour=Red' must be COLUMN=VALUE" in problems[0]["reason"]


def test_importing_a_segment_value_not_in_the_data_warns_and_stores_it(db, write_csv):
    path = write_csv(
        "initiatives.csv",
        "name,owner,problem,root_cause,start_month,ramp_months,effect_low,effect_likely,"
        "effect_high,probability,segment\n"
        "Bill fix,CS,p,r,2025-01,0,1,2,3,0.5,Touchpoint = Billing\n",
    )
    report = milestones.import_initiatives(db, path)
    assert report["warnings"] == [
        "Bill fix: no survey response has touchpoint 'Billing'; its effect cannot be measured "
        "until some do"
    ]
    assert milestones.load_initiatives(db)["segment"].tolist() == ["touchpoint=Billing"]


def test_on_the_sample_the_billing_fix_worked_and_the_callback_did_not(sample_db):
    out = effects.measured_effects(sample_db, milestones.load_initiatives(sample_db, "base"))
    verdicts = dict(zip(out["name"], out["outcome"]))
    assert verdicts["First-call billing fix"] == "worked"
    assert verdicts["Callback instead of hold queue"] == "no effect"


def test_a_segment_without_responses_has_too_few_not_too_early():
    counts = _world(np.random.default_rng(1), SEG_BEFORE, SEG_AFTER, REST, REST)
    row = effects.effects_from_counts(pd.DataFrame([_fix(segment="channel=Kiosk")]), counts)
    assert row.iloc[0]["outcome"] == "too few"
    assert row.iloc[0]["verdict"] == "too few responses on Kiosk to measure (n = 0 before, 0 after)"


def test_shipped_summary_counts_fixes_that_are_not_separable_once():
    counts = _world(np.random.default_rng(1), SEG_BEFORE, SEG_AFTER, REST, REST)
    fixes = pd.DataFrame([_fix("A", expected=2.0), _fix("B", expected=1.0)])
    frame = effects.effects_from_counts(fixes, counts)
    out = effects.shipped_summary(frame)
    # both measured the same joint change: counted once, against 2 + 1 planned
    assert out["measured_points"] == pytest.approx(frame["overall_effect"].iloc[0], abs=0.01)
    assert out["planned_points"] == 3.0
