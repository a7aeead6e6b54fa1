"""Cell parsing fast paths agree with the general ones."""

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cxdata.ingest import values

NUMBER_LIKE = ["1", "2.5", "-3", "+.5", "5.", "1e3", "1E+05", "1e400", "007", "inf", "-Infinity"]
NUMBER_LIKE += ["nan", "NaN", "1_000", "0x1A", "1,5", "1.5e", "\u0663", "\uff11", "-", ""]


def cells(*items):
    return values.clean(pd.Series(list(items), dtype=object))


def test_missing_tokens_in_any_case_and_spaces():
    out = cells("Na", " N/A ", "nULL", "#N/A", "None", "NaN", "-", "\u00a0", "x", "n.a.")
    assert out.isna().tolist() == [True] * 8 + [False, False]


def test_plain_numbers_fast_path_matches_the_general_path():
    fast, bad = values.parse_numbers(cells("1", "2.5", None, "-3", "1e3"), False)
    assert fast.tolist()[:2] == [1.0, 2.5] and fast.tolist()[3:] == [-3.0, 1000.0]
    assert not bad.any()
    mixed, bad = values.parse_numbers(cells("1,234.5", "abc", "7"), False)
    assert mixed.tolist()[0] == 1234.5 and bad.tolist() == [False, True, False]


@given(st.lists(st.sampled_from(NUMBER_LIKE) | st.none(), min_size=1, max_size=8))
def test_the_one_cast_reading_of_numbers_agrees_with_the_general_one(items):
    """A column takes the single-cast path when every cell casts to a finite number; the
    general path (forced here by one cell that is not a number) must read each cell alike."""
    quick, quick_bad = values.parse_numbers(cells(*items), False)
    general, general_bad = values.parse_numbers(cells(*items, "not a number"), False)
    assert quick.tolist() == general.tolist()[:-1]
    assert quick_bad.tolist() == general_bad.tolist()[:-1]


def test_no_break_spaces_become_spaces_other_text_untouched():
    assert cells("\u00a0x\u00a0y\u00a0", "à la carte", "na\u00efve").tolist() == [
        "x y",
        "à la carte",
        "na\u00efve",
    ]


def test_iso_dates_fast_path_agrees_with_the_general_parser():
    sample = cells("2025-02-28", "2024-02-29 23:59:59", None, "2025-02-30", "2025-01-01 24:00:00")
    fast = values.iso_dates(sample)
    general = values.assemble_dates(values.split_dates(sample), True)
    assert fast[0].tolist() == general[0].tolist() and fast[1].tolist() == general[1].tolist()
    assert values.iso_dates(cells("07/03/2025")) is None
