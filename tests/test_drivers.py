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


def test_bootstrap_from_row_counts_equals_resampling_the_rows():
    """The bootstrap computes each resample's correlations from row counts, in batches; doing
    it the plain way (copy the resampled rows, run relative weights) gives the same interval."""
    cars = mtcars()
    x = cars[["cyl", "disp", "hp", "gear"]].to_numpy(float)
    y = cars["mpg"].to_numpy(float)
    runs, n = 40, len(x)  # 40: more than one batch, the last one partial
    low, high = drivers._bootstrap_pct(x, y, runs, np.random.default_rng(7), 0.95)
    rng = np.random.default_rng(7)
    pcts = []
    for _ in range(runs):
        rows = rng.integers(0, n, n)
        _, raw = drivers.relative_weights(x[rows], y[rows])
        pcts.append(100 * raw / raw.sum())
    assert low == pytest.approx(np.percentile(pcts, 2.5, axis=0), abs=0.01)
    assert high == pytest.approx(np.percentile(pcts, 97.5, axis=0), abs=0.01)


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


def test_missing_values_pairwise_for_correlations_listwise_for_weights():
    cars = mtcars()
    cars.loc[:4, "hp"] = np.nan
    result = drivers.driver_table(
        cars, "mpg", ["hp", "wt"], bootstrap=0, rng=np.random.default_rng(1)
    )
    by_driver = result.table.set_index("driver")
    assert by_driver.loc["wt", "n"] == 32 and by_driver.loc["hp", "n"] == 27
    assert result.n == 27
    assert any("27 of 32" in note for note in result.notes)


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
    assert result.n < 240  # "N/A" and blank ratings drop rows from the weights only


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
