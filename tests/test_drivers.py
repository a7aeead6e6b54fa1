"""Relative weights (known answer), driver tables, targets and frames from the store."""

import numpy as np
import pandas as pd
import pytest

from cxdata import drivers, ingest
from cxdata.errors import InputError
from tests.conftest import DATA


def mtcars():
    return pd.read_csv(DATA / "mtcars.csv")


def test_relative_weights_mtcars_known_answer():
    # Known answer from SPEC §4: R's rwa package (Chan, "rwa: Perform a Relative Weights
    # Analysis") on the mtcars dataset, mpg ~ cyl + disp + hp + gear: R² = 0.7791896,
    # rescaled weights cyl 29.32 %, disp 28.51 %, hp 29.80 %, gear 12.37 %.
    cars = mtcars()
    columns = ["cyl", "disp", "hp", "gear"]
    r2, raw = drivers.relative_weights(cars[columns].to_numpy(float), cars["mpg"].to_numpy(float))
    assert r2 == pytest.approx(0.7791896, abs=1e-7)
    assert 100 * raw / raw.sum() == pytest.approx([29.32, 28.51, 29.80, 12.37], abs=0.005)


def test_raw_weights_sum_to_r2_of_ordinary_least_squares():
    cars = mtcars()
    x = cars[["wt", "qsec", "am"]].to_numpy(float)
    y = cars["mpg"].to_numpy(float)
    design = np.column_stack([np.ones(len(x)), x])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    ols_r2 = 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    r2, raw = drivers.relative_weights(x, y)
    assert raw.sum() == pytest.approx(r2) and r2 == pytest.approx(ols_r2)


def hand_bootstrap(frame: pd.DataFrame, target: str, columns: list[str], runs, seed, level):
    """The noise test and the weight intervals done the plain way, from the description in
    Tonidandel, LeBreton & Johnson (2009, Psychological Methods 14(4)) and Tonidandel &
    LeBreton (2015, "RWA Web", J. Business and Psychology 30): add a standard normal random
    variable to the predictors, resample the rows, compute the relative weights with it, take
    each predictor's raw weight minus the random variable's, and read the percentile interval.
    Pairwise correlations are pandas' own (``DataFrame.corr`` skips missing values pair by
    pair); the resamples are copies of the rows."""
    rng = np.random.default_rng(seed)
    data = frame[[*columns, target]].astype(float).reset_index(drop=True)
    data.insert(len(columns), "random", rng.standard_normal(len(data)))
    k = len(columns)

    def weights(rows: pd.DataFrame):
        corr = drivers.consistent_correlations(rows.corr().to_numpy())
        _, raw = drivers._weights_from_correlations(corr[:k, :k], corr[:k, -1])
        _, raw_random = drivers._weights_from_correlations(corr[:-1, :-1], corr[:-1, -1])
        return 100 * raw / raw.sum(), raw_random[:k] - raw_random[k]

    pct, diff = weights(data)
    pcts, diffs = [], []
    for _ in range(runs):
        p, d = weights(data.iloc[rng.integers(0, len(data), len(data))])
        pcts.append(p)
        diffs.append(d)
    tail = (1 - level) / 2 * 100
    low, mid, high = np.percentile(pcts, [tail, 50, 100 - tail], axis=0)
    return {
        "pct": pct,
        "pct_ci": (np.clip(pct + low - mid, 0, 100), np.clip(pct + high - mid, 0, 100)),
        "diff": diff,
        "diff_ci": np.percentile(diffs, [tail, 100 - tail], axis=0),
    }


def test_noise_test_and_intervals_equal_the_hand_computation():
    """Known answer by hand: the row-count bootstrap (batches of 16, pairwise sums, one matrix
    product) gives what copying the resampled rows and asking pandas for pairwise
    correlations gives — with missing values, so the pairwise path is the one checked."""
    cars = mtcars()
    cars.loc[[0, 3, 8, 15], "hp"] = np.nan
    cars.loc[[2, 20], "gear"] = np.nan
    columns = ["cyl", "disp", "hp", "gear"]
    runs = 40  # more than one batch, the last one partial
    hand = hand_bootstrap(cars, "mpg", columns, runs, 7, 0.95)
    table = (
        drivers.driver_table(cars, "mpg", columns, bootstrap=runs, rng=np.random.default_rng(7))
        .table.set_index("driver")
        .loc[columns]
    )
    assert table["rescaled_pct"].to_numpy() == pytest.approx(hand["pct"], abs=1e-6)
    assert table["noise_diff"].to_numpy() == pytest.approx(hand["diff"], abs=1e-9)
    # single precision in the big product: agreement to well under a tenth of a point
    assert table["rescaled_low"].to_numpy() == pytest.approx(hand["pct_ci"][0], abs=0.01)
    assert table["rescaled_high"].to_numpy() == pytest.approx(hand["pct_ci"][1], abs=0.01)
    assert table["noise_low"].to_numpy() == pytest.approx(hand["diff_ci"][0], abs=1e-4)
    assert table["noise_high"].to_numpy() == pytest.approx(hand["diff_ci"][1], abs=1e-4)
    assert (table["significant"] == (table["noise_low"] > 0)).all()


def noise_replications(replications: int, rows: int, runs: int, seed: int):
    """How often a pure-noise driver and a real one are called significant: y = x + error
    (r ≈ .55), ``junk`` unrelated to everything."""
    rng = np.random.default_rng(seed)
    junk = real = 0
    for _ in range(replications):
        x = rng.normal(size=rows)
        frame = pd.DataFrame(
            {"x": x, "junk": rng.normal(size=rows), "y": x + rng.normal(scale=1.5, size=rows)}
        )
        table = drivers.driver_table(frame, "y", ["x", "junk"], bootstrap=runs, rng=rng).table
        verdict = table.set_index("driver")["significant"]
        junk += bool(verdict["junk"])
        real += bool(verdict["x"])
    return junk, real


def test_a_noise_driver_is_rarely_significant():
    # The 95 % interval's lower end above 0: a noise driver passes about 2.5 % of the time.
    junk, real = noise_replications(40, 150, 100, seed=11)
    assert junk <= 4  # 10 %: generous for 40 replications (binomial, p = .025: P(≥ 5) < .01)
    assert real == 40


@pytest.mark.slow
def test_a_noise_driver_is_significant_in_at_most_five_percent_of_many_replications():
    junk, real = noise_replications(200, 150, 100, seed=12)
    assert junk <= 10 and real == 200


def test_weight_intervals_always_contain_their_estimate():
    # Weak and noise drivers on few rows: their resampled weights lie mostly above the
    # estimate, where a plain percentile interval misses it.
    rng = np.random.default_rng(3)
    for _ in range(30):
        frame = pd.DataFrame(rng.normal(size=(40, 4)), columns=["a", "b", "c", "y"])
        frame["y"] += 0.3 * frame["a"]
        table = drivers.driver_table(frame, "y", ["a", "b", "c"], bootstrap=50, rng=rng).table
        assert (table["rescaled_low"] <= table["rescaled_pct"]).all()
        assert (table["rescaled_pct"] <= table["rescaled_high"]).all()


def test_driver_table_is_sorted_by_weight_and_bootstrap_is_seeded():
    cars = mtcars()
    first = drivers.driver_table(
        cars, "mpg", ["cyl", "disp", "hp", "gear"], rng=np.random.default_rng(5)
    )
    again = drivers.driver_table(
        cars, "mpg", ["cyl", "disp", "hp", "gear"], rng=np.random.default_rng(5)
    )
    assert first.table["driver"].tolist() == ["hp", "cyl", "disp", "gear"]
    pd.testing.assert_frame_equal(first.table, again.table)
    low, high = first.table["rescaled_low"], first.table["rescaled_high"]
    assert ((low <= first.table["rescaled_pct"]) & (first.table["rescaled_pct"] <= high)).all()


def test_missing_values_are_pairwise_for_weights_too():
    cars = mtcars()
    cars.loc[:4, "hp"] = np.nan
    result = drivers.driver_table(
        cars, "mpg", ["hp", "wt"], bootstrap=0, rng=np.random.default_rng(1)
    )
    by_driver = result.table.set_index("driver")
    assert by_driver.loc["wt", "n"] == 32 and by_driver.loc["hp", "n"] == 27
    assert (result.n, result.n_complete) == (32, 27)
    corr = cars[["hp", "wt", "mpg"]].corr().to_numpy()  # pandas: pairwise complete
    r2, raw = drivers._weights_from_correlations(corr[:2, :2], corr[:2, 2])
    assert result.r2 == pytest.approx(r2)
    assert by_driver.loc[["hp", "wt"], "raw_weight"].to_numpy() == pytest.approx(raw)
    assert any("27 have every driver" in note for note in result.notes)


def two_channels(rows=400, seed=2):
    """Phone asks ease and knowledge, App asks ease only; score = ease + knowledge + error."""
    rng = np.random.default_rng(seed)
    ease, knowledge = rng.normal(size=(2, rows))
    channel = np.where(np.arange(rows) < rows // 2, "Phone", "App")
    frame = pd.DataFrame(
        {
            "channel": channel,
            "ease": ease,
            "knowledge": np.where(channel == "App", np.nan, knowledge),
            "score": ease + np.where(channel == "App", 0, knowledge) + rng.normal(size=rows),
        }
    )
    return frame


def test_a_driver_missing_for_a_whole_channel_keeps_the_other_channels_rows():
    frame = two_channels()
    result = drivers.driver_table(
        frame, "score", ["ease", "knowledge"], bootstrap=20, rng=np.random.default_rng(1),
        by="channel",
    )  # fmt: skip
    assert (result.n, result.n_complete) == (400, 200)  # App's 200 rows are not dropped
    by_driver = result.table.set_index("driver")
    assert by_driver.loc["ease", "n"] == 400 and by_driver.loc["knowledge", "n"] == 200
    assert result.rows_by.set_index("segment").loc["App"].to_dict() == {
        "rows": 200,
        "ease": 200,
        "knowledge": 0,
    }
    assert any("Knowledge has no values for channel App" in note for note in result.notes)
    # ease's correlation with the score uses both channels, as pandas' pairwise one does
    assert by_driver.loc["ease", "pearson_r"] == pytest.approx(frame["ease"].corr(frame["score"]))


def test_a_yes_no_target_carries_the_linear_model_caveat():
    cars = mtcars()
    result = drivers.driver_table(
        cars, "am", ["wt", "hp"], bootstrap=0, rng=np.random.default_rng(1)
    )
    assert drivers.YES_NO_CAVEAT in result.notes
    plain = drivers.driver_table(
        cars, "mpg", ["wt", "hp"], bootstrap=0, rng=np.random.default_rng(1)
    )
    assert drivers.YES_NO_CAVEAT not in plain.notes


def test_performance_is_the_mean_on_the_drivers_scale():
    frame = pd.DataFrame(
        {"ease": [2.0, 3, 4, 5] * 5, "fcr": [0.0, 1, 1, 1] * 5, "y": np.arange(20.0)}
    )
    table = drivers.driver_table(
        frame, "y", ["ease", "fcr"], bootstrap=0, rng=np.random.default_rng(1)
    ).table.set_index("driver")
    # ease: mean 3.5 on 1–5 → 62.5; fcr: share 0.75 on 0–1 → 75
    assert table.loc["ease", ["scale_low", "scale_high", "performance"]].tolist() == [1, 5, 62.5]
    assert table.loc["fcr", "performance"] == 75.0


def test_constant_driver_is_set_aside_with_a_note():
    cars = mtcars().assign(one=1.0)
    result = drivers.driver_table(
        cars, "mpg", ["wt", "one"], bootstrap=0, rng=np.random.default_rng(1)
    )
    assert np.isnan(result.table.set_index("driver").loc["one", "raw_weight"])
    assert any("'one'" in note for note in result.notes)


def test_two_valued_text_target_is_coded_for_the_positive_value():
    values = pd.Series(["Satisfied", "Neutral or dissatisfied", None, "satisfied "])
    coded = drivers.code_target(values, "Satisfied", "Overall")
    assert coded.tolist()[:2] == [1.0, 0.0] and np.isnan(coded[2]) and coded[3] == 1.0
    with pytest.raises(InputError, match="--positive"):
        drivers.code_target(values, None, "Overall")


def test_one_hot_leaves_the_most_common_value_out():
    frame = drivers.one_hot(pd.Series(["Phone", "Phone", "Web", "Chat", None]), "channel")
    assert list(frame.columns) == ["channel=Web", "channel=Chat"]
    assert np.isnan(frame.iloc[4, 0])


def test_table_drivers_skip_ids_and_the_target():
    table = ingest.read_table(DATA / "attribute_ratings_0_5.csv")
    chosen = drivers.table_drivers(table, "Overall satisfaction")
    assert len(chosen) == 14 and "Response ID" not in chosen


def test_fourteen_ratings_on_0_to_5_with_a_text_target():
    table = ingest.read_table(DATA / "attribute_ratings_0_5.csv")
    table["Overall satisfaction"] = drivers.code_target(
        table["Overall satisfaction"], "Satisfied", "Overall satisfaction"
    )
    result = drivers.driver_table(
        table,
        "Overall satisfaction",
        drivers.table_drivers(table, "Overall satisfaction"),
        rng=np.random.default_rng(1),
    )
    # The fixture plants "Problem resolved" and then "Speed of delivery" as the drivers.
    assert result.table["driver"].tolist()[:2] == ["Problem resolved", "Speed of delivery"]
    # "N/A" and blank ratings: each correlation uses the rows that have both values
    assert result.n_complete < result.n == 240


def test_kpis_join_through_interaction_id(sample_db):
    frame = drivers.driver_frame(
        sample_db, "promoter", ["first_contact_resolution", "segment:channel", "theme:billing"]
    )
    assert {"promoter", "first_contact_resolution", "theme:billing"} <= set(frame.columns)
    assert any(c.startswith("channel=") for c in frame.columns)
    assert frame["first_contact_resolution"].notna().mean() > 0.9


def test_sample_planted_operational_drivers_show(sample_db):
    chosen = ["first_contact_resolution", "wait_time_min", "delivery_delay_days", "order_value"]
    frame = drivers.driver_frame(sample_db, "score", chosen)
    table = drivers.driver_table(
        frame, "score", chosen, bootstrap=0, rng=np.random.default_rng(1)
    ).table.set_index("driver")
    assert table.loc["first_contact_resolution", "spearman_rho"] > 0.2
    assert table.loc["wait_time_min", "spearman_rho"] < -0.1
    assert table.loc["delivery_delay_days", "spearman_rho"] < -0.1
    assert abs(table.loc["order_value", "spearman_rho"]) < 0.1


def test_unknown_driver_names_the_choices(sample_db):
    with pytest.raises(InputError, match="Available"):
        drivers.driver_frame(sample_db, "score", ["shoe_size"])


def test_relationship_target_uses_linked_touchpoints(sample_db):
    frame = drivers.driver_frame(sample_db, "relationship_score", ["touchpoint_mean"])
    result = drivers.driver_table(
        frame, "relationship_score", ["touchpoint_mean"], bootstrap=0, rng=np.random.default_rng(1)
    )
    assert result.table.loc[0, "pearson_r"] > 0.2


@pytest.fixture
def sample_with_noise(sample_db):
    """The sample's touchpoint rows with a deliberately added column of random numbers."""
    chosen = ["ease", "agent_knowledge", "wait_time_min"]
    frame = drivers.driver_frame(sample_db, "score", chosen)
    frame["noise"] = np.random.default_rng(2024).normal(size=len(frame))
    return drivers.driver_table(
        frame, "score", [*chosen, "noise"], rng=np.random.default_rng(1), by="channel"
    )


def test_sample_ease_is_significant_and_an_added_noise_column_is_not(sample_with_noise):
    table = sample_with_noise.table.set_index("driver")
    assert table.loc["ease", "verdict"] == drivers.SIGNIFICANT
    # ease explains about half of R² and its weight beats the random column's by ~.36
    assert 50 < table.loc["ease", "rescaled_pct"] < 60
    assert table.loc["ease", "noise_low"] > 0.3
    assert table.loc["noise", "verdict"] == drivers.NOISE
    assert table.loc["noise", "noise_low"] < 0 < table.loc["noise", "noise_high"]
    assert table.loc["noise", "rescaled_pct"] < 0.1


def test_sample_rows_per_channel_keep_app_and_web(sample_with_noise):
    rows = sample_with_noise.rows_by.set_index("segment")
    assert rows.loc[["App", "Web"], "agent_knowledge"].tolist() == [0, 0]
    assert (rows.loc[["App", "Web"], "ease"] == rows.loc[["App", "Web"], "rows"]).all()
    assert sample_with_noise.n == rows["rows"].sum() > sample_with_noise.n_complete
