"""The plain words of the NPS trends and Drivers pages (cxdata.wording)."""

import math

from cxdata import wording

ROW = {
    "group": "2026-10",
    "nps": 1.84,
    "n": 439,
    "change": 0.6,
    "p_value": 0.92,
    "significant": False,
    "hidden": False,
    "ci_low": -6.0,
    "ci_high": 9.6,
    "detectable_change": 15.7,
}


def test_a_change_within_noise_reads_as_noise_with_whole_points_and_month_names():
    assert wording.trend_sentence(ROW, "month") == (
        "NPS +2 in Oct 2026 (439 responses), up 1 point on Sep 2026 — within normal "
        "month-to-month noise"
    )


def test_a_significant_drop_is_a_real_change_at_95_percent():
    row = {**ROW, "change": -43.0, "significant": True}
    assert wording.trend_sentence(row, "month").endswith(
        "down 43 points on Sep 2026 — a real change (95 % confidence)"
    )


def test_a_change_that_rounds_to_zero_is_the_same_as_the_period_before():
    row = {**ROW, "change": -0.4}
    assert "the same as Sep 2026" in wording.trend_sentence(row, "month")


def test_a_running_quarter_says_so_far_and_the_previous_quarter_by_name():
    row = {**ROW, "group": "2026Q4", "change": math.nan}
    assert wording.trend_sentence(row, "quarter", up_to="2026-10-31") == (
        "NPS +2 in Q4 2026 so far (to 31 Oct 2026; 439 responses); Q3 2026 had too few "
        "responses to compare"
    )


def test_a_hidden_period_gives_its_responses_but_no_nps():
    text = wording.trend_sentence({**ROW, "n": 3, "hidden": True}, "month")
    assert text == "Oct 2026: 3 responses, too few to show an NPS"


def test_the_sentence_has_no_statistics_and_the_detail_has_them():
    sentence, detail = wording.trend_sentence(ROW, "month"), wording.trend_detail(ROW, "month")
    for jargon in ("p =", "CI", "n =", "±", "Wald"):
        assert jargon not in sentence
    assert detail == (
        "NPS +1.8, 95 % interval -6.0 to +9.6 (adjusted Wald), n = 439. Change +0.6 vs the "
        "month before, p = 0.920 (two-sample test): not significant — a change of ±16 "
        "points is needed at this volume."
    )


def test_a_tightening_link_is_named_with_strength_words_and_quarter_names():
    first, last = {"period": "2024Q4", "pearson_r": 0.197}, {"period": "2026Q3", "pearson_r": 0.63}
    assert wording.link_sentence(first, last, 1.5e-16) == (
        "The link between touchpoint and relationship scores grew stronger: from weak (0.20) "
        "in Q4 2024 to strong (0.63) in Q3 2026 — a real change (95 % confidence)"
    )


def test_a_link_change_that_is_not_significant_stays_about_the_same():
    first, last = {"period": "2024Q4", "pearson_r": 0.197}, {"period": "2026Q3", "pearson_r": 0.25}
    text = wording.link_sentence(first, last, 0.4)
    assert "stayed about the same" in text and "within normal noise" in text
    assert "p =" not in text and "Fisher" not in text


def test_the_link_detail_keeps_r_n_p_and_the_test_name():
    first = {"period": "2024Q4", "pearson_r": 0.197, "customers": 471}
    last = {"period": "2026Q3", "pearson_r": 0.63, "customers": 452}
    assert wording.link_detail(first, last, 1.54e-16) == (
        "Pearson r = +0.20 in Q4 2024 (n = 471) → r = +0.63 in Q3 2026 (n = 452); "
        "p = 1.54e-16 (Fisher z test of the difference)."
    )


def test_explained_share_is_a_percentage_not_r_squared():
    text = wording.explained_sentence(0.456, "touchpoint score (0–10)", 9130)
    assert text == (
        "Together these drivers explain 46 % of the differences in touchpoint score (0–10) "
        "between responses (9,130 responses)."
    )
    assert "R²" not in text


def test_driver_names_read_as_labels():
    assert wording.names(["wait_time_min", "channel=App", "theme:billing"]) == (
        "Wait time (min), Channel: App and Theme: billing"
    )
