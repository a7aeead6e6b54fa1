"""NPS statistics against published known answers (SPEC §4) and the store-backed trends."""

import numpy as np
import pandas as pd
import pytest

from cxdata import ingest, nps


# Known answers, on the −1…1 scale, from SPEC §4. Their source: Rocks, B. (2016), "Interval
# Estimation for the 'Net Promoter Score'", The American Statistician 70(4): Wald and adjusted
# Wald (add 3/4, 3/2, 3/4; n + 3) intervals; values recomputed independently with scipy.
@pytest.mark.parametrize(
    ("counts", "method", "low", "high"),
    [
        ((20, 30, 50), "wald", 0.1469219, 0.4530781),
        ((20, 30, 50), "adjusted-wald", 0.1405113, 0.4420130),
        ((150, 250, 600), "adjusted-wald", 0.4028427, 0.4944654),
        ((0, 0, 10), "adjusted-wald", 0.4750355, 1.0),
    ],
)
def test_interval_known_answers(counts, method, low, high):
    got = nps.nps_interval(*counts, method=method)
    assert got == pytest.approx((low * 100, high * 100), abs=1e-5)


def test_adjusted_wald_clips_at_100():
    assert nps.nps_interval(0, 0, 10)[1] == 100.0


def test_nps_value_known_answer():
    assert nps.nps_value(20, 30, 50) == pytest.approx(30.0)
    assert nps.nps_value(150, 250, 600) == pytest.approx(45.0)


def test_two_sample_known_answer():
    # SPEC §4: (20,30,50) vs (30,30,40): Δ = .20, se = .1140175 (Wald), p = .0794106.
    delta, se, p = nps.nps_difference_test((30, 30, 40), (20, 30, 50))
    assert (delta, se, p) == pytest.approx((20.0, 11.40175, 0.0794106), abs=1e-5)


def test_two_sample_uses_adjusted_variance_when_wald_is_zero():
    delta, se, p = nps.nps_difference_test((0, 0, 10), (0, 0, 10))
    assert delta == 0 and se > 0 and p == pytest.approx(1.0)


def test_wider_level_gives_wider_interval():
    narrow = nps.nps_interval(20, 30, 50, level=0.90)
    wide = nps.nps_interval(20, 30, 50, level=0.99)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


def test_unknown_method_is_an_input_error():
    with pytest.raises(nps.InputError, match="Unknown interval method"):
        nps.nps_interval(1, 1, 1, method="bayes")


@pytest.mark.parametrize(
    ("by", "label"),
    [
        ("day", "2025-03-07"),
        ("week", "2025-W10"),
        ("month", "2025-03"),
        ("quarter", "2025Q1"),
        ("year", "2025"),
    ],
)
def test_period_labels(by, label):
    assert nps.period_label(pd.Series(["2025-03-07 10:00:00"]), by).iloc[0] == label


@pytest.fixture
def loaded(db, write_csv):
    rows = ["date,score,channel"]
    for month, scores in (
        ("2025-01", [0] * 20 + [8] * 30 + [10] * 50),
        ("2025-02", [0] * 30 + [8] * 30 + [10] * 40),
        ("2025-03", [10, 10, 3]),
    ):
        rows += [
            f"{month}-{(i % 28) + 1:02d},{s},{'Chat' if i % 2 else 'Phone'}"
            for i, s in enumerate(scores)
        ]
    ingest.import_file(db, write_csv("t.csv", "\n".join(rows) + "\n"), "survey")
    return db


def test_monthly_trend_counts_and_change(loaded):
    table = nps.trend(loaded, "month")
    assert table["group"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert table["n"].tolist() == [100, 100, 3]
    assert table.loc[1, "change"] == pytest.approx(-20.0)
    assert table.loc[1, "p_value"] == pytest.approx(0.0794106, abs=1e-6)


def test_tiny_groups_are_hidden_but_keep_n(loaded):
    last = nps.trend(loaded, "month").iloc[-1]
    assert last["hidden"] and last["low_n"] and last["n"] == 3 and np.isnan(last["nps"])


def test_thresholds_are_configurable(loaded):
    last = nps.trend(loaded, "month", thresholds=nps.Thresholds(low_n=2, hide_n=1)).iloc[-1]
    assert not last["hidden"] and not last["low_n"]


def test_segment_trend_compares_within_segment(loaded):
    table = nps.trend(loaded, "month", segment="channel")
    assert set(table["segment"]) == {"Chat", "Phone"}
    first = table.groupby("segment").head(1)
    assert first["change"].isna().all()


def test_where_and_date_range_filter(loaded):
    q = nps.Query(date_from="2025-02-01", date_to="2025-02-28", where=(("channel", "Chat"),))
    table = nps.trend(loaded, "month", q)
    assert table["group"].tolist() == ["2025-02"] and table["n"].tolist() == [50]


def test_unknown_where_column_is_an_input_error(loaded):
    with pytest.raises(nps.InputError, match="--where column 'nope'"):
        nps.trend(loaded, "month", nps.Query(where=(("nope", "x"),)))


def test_rolling_three_period_pools_counts(loaded):
    table = nps.rolling(nps.trend(loaded, "month"))
    assert table["rolling_n"].tolist()[-1] == 203
    pooled = nps.nps_value(20 + 30 + 1, 30 + 30, 50 + 40 + 2)
    assert table["rolling_nps"].tolist()[-1] == pytest.approx(pooled)


def test_by_column_has_no_change(loaded):
    table = nps.trend(loaded, "channel")
    assert set(table["group"]) == {"Chat", "Phone"} and table["change"].isna().all()


def test_a_hidden_group_keeps_its_n_but_not_its_counts():
    table = nps.summarise(
        pd.DataFrame(
            {
                "group": ["2026-01", "2026-02"],
                "detractors": [1, 20],
                "passives": [1, 30],
                "promoters": [2, 50],
            }
        ),
        ["group"],
    )
    hidden, shown = (nps.group_dict(row) for _, row in table.iterrows())
    assert hidden["hidden"] and hidden["n"] == 4
    assert hidden["detractors"] is None and hidden["promoters"] is None and hidden["nps"] is None
    assert (shown["detractors"], shown["passives"], shown["promoters"]) == (20, 30, 50)


def test_no_change_is_reported_across_months_without_responses(db, write_csv):
    """Jan–Mar and July (the issue's case): July is not compared with March."""
    rows = ["id,date,score"]
    for month, score in (("01", 6), ("02", 7), ("03", 5), ("07", 10)):
        rows += [f"{month}{i},2025-{month}-10,{score}" for i in range(40)]
    ingest.import_file(db, write_csv("gap.csv", "\n".join(rows) + "\n"), "survey")
    table = nps.trend(db, "month").set_index("group")
    assert table.loc["2025-02", "change"] == pytest.approx(100.0)  # Jan → Feb: adjacent
    assert np.isnan(table.loc["2025-07", "change"]) and np.isnan(table.loc["2025-07", "p_value"])


def test_detectable_change_at_400_a_month_is_about_15_points():
    # Hand computation (the "about ±16 at 400 a month"): 30 % P / 40 % Pa / 30 % D gives
    # var = .3 + .3 − 0² = .6 per response; two months of 400: SE = √(2·0.6/400) = .0547723;
    # z = 1.959964 + 0.841621 = 2.801585 → Δ = 2.801585 · .0547723 · 100 = 15.3449 points.
    mix = (120, 160, 120)
    assert nps.detectable_change(mix, mix) == pytest.approx(15.3449, abs=1e-3)


def test_detectable_change_uses_each_periods_own_mix_and_size():
    # (20,30,50): var = .7 − .09 = .61; (30,30,40): var = .7 − .01 = .69 (SPEC §4's example,
    # se = .1140175); Δ = 2.801585 · 11.40175 = 31.9430 points.
    assert nps.detectable_change((30, 30, 40), (20, 30, 50)) == pytest.approx(31.943, abs=1e-3)


def test_detectable_change_grows_with_level_and_power():
    mix = (120, 160, 120)
    base = nps.detectable_change(mix, mix)
    assert nps.detectable_change(mix, mix, level=0.99) > base
    assert nps.detectable_change(mix, mix, power=0.90) > base


def test_detectable_change_of_an_empty_period_is_nan():
    assert np.isnan(nps.detectable_change((0, 0, 0), (10, 10, 10)))


def _gap_table():
    """Jan–Mar and July, 40 responses each (the issue's gap case): Jan all 6s (detractors),
    Feb all 7s (passives), Mar all 5s (detractors), Jul all 10s (promoters); August added
    with 40 more 10s so that a window after the gap has two months of data."""
    frame = pd.DataFrame(
        {
            "group": ["2025-01", "2025-02", "2025-03", "2025-07", "2025-08"],
            "detractors": [40, 0, 40, 0, 0],
            "passives": [0, 40, 0, 0, 0],
            "promoters": [0, 0, 0, 40, 40],
        }
    )
    return nps.rolling(nps.summarise(frame, ["group"], period="month"))


def test_rolling_window_after_a_gap_pools_only_its_calendar_months():
    # By hand: July's window is May–July, which holds July alone (40 responses), not
    # Feb + Mar + Jul (120) as a window over rows would.
    july = _gap_table().set_index("group").loc["2025-07"]
    assert july["rolling_n"] == 40 and july["rolling_periods_with_data"] == 1
    assert july["rolling_coverage"] == "1 of 3 months had data"


def test_rolling_value_needs_more_than_half_of_the_window_with_data():
    table = _gap_table().set_index("group")
    # 1 of 3 months with data: no 3-month value (Jan: Nov–Jan; Jul: May–Jul).
    assert np.isnan(table.loc["2025-01", "rolling_nps"])
    assert np.isnan(table.loc["2025-07", "rolling_nps"])
    # Feb: Jan + Feb = 40 D, 40 Pa → 100·(0 − 40)/80 = −50; Mar: 80 D, 40 Pa → −66.67;
    # Aug: Jun–Aug = Jul + Aug = 80 P → +100 (2 of 3 months).
    assert table.loc["2025-02", "rolling_nps"] == pytest.approx(-50.0)
    assert table.loc["2025-03", "rolling_nps"] == pytest.approx(-200 / 3)
    assert table.loc["2025-08", "rolling_nps"] == pytest.approx(100.0)
    assert table.loc["2025-08", "rolling_coverage"] == "2 of 3 months had data"
    assert (table["rolling_periods"] == 3).all()


@pytest.mark.parametrize(
    ("labels", "expected_n"),
    [
        (["2025-03-01", "2025-03-02", "2025-03-05"], [10, 20, 10]),  # day
        (["2024-W52", "2025-W01", "2025-W03"], [10, 20, 20]),  # week across a year end
        (["2024Q4", "2025Q1", "2025Q3"], [10, 20, 20]),  # quarter
        (["2022", "2023", "2026"], [10, 20, 10]),  # year
    ],
)
def test_rolling_windows_are_calendar_true_for_every_period(labels, expected_n):
    frame = pd.DataFrame(
        {"group": labels, "detractors": [5] * 3, "passives": [0] * 3, "promoters": [5] * 3}
    )
    assert nps.rolling(frame)["rolling_n"].tolist() == expected_n


def test_rolling_rolls_within_each_segment():
    frame = pd.DataFrame(
        {
            "segment": ["Chat", "Chat", "Phone", "Phone"],
            "group": ["2025-01", "2025-02", "2025-01", "2025-05"],
            "detractors": [10, 10, 1, 1],
            "passives": [0, 0, 0, 0],
            "promoters": [10, 30, 9, 9],
        }
    )
    out = nps.rolling(frame, keys=["segment"])
    assert out["rolling_n"].tolist() == [20, 60, 10, 10]
    assert out["rolling_periods_with_data"].tolist() == [1, 2, 1, 1]


def test_rolling_over_waves_uses_rows():
    frame = pd.DataFrame(
        {
            "group": ["Spring", "Autumn"],
            "detractors": [1, 1],
            "passives": [0, 0],
            "promoters": [9, 9],
        }
    )
    out = nps.rolling(frame, window=2)
    assert out["rolling_n"].tolist() == [10, 20]
    assert out["rolling_coverage"].tolist()[-1] == "2 of 2 periods had data"
