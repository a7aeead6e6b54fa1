"""Cell parsing fast paths agree with the general ones."""

import pandas as pd

from cxdata import values


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


def test_iso_dates_fast_path_agrees_with_the_general_parser():
    sample = cells("2025-02-28", "2024-02-29 23:59:59", None, "2025-02-30", "2025-01-01 24:00:00")
    fast = values.iso_dates(sample)
    general = values.assemble_dates(values.split_dates(sample), True)
    assert fast[0].tolist() == general[0].tolist() and fast[1].tolist() == general[1].tolist()
    assert values.iso_dates(cells("07/03/2025")) is None
