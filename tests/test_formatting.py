import pandas as pd

from cxdata.formatting import natural_date, natural_datetimes, signed


def test_natural_date():
    assert natural_date("2026-10-31") == "31 Oct 2026"
    assert natural_date("2026-01-05 21:02:29") == "5 Jan 2026"
    assert natural_date(None) == "" and natural_date("not a date") == ""


def test_natural_datetimes_drop_midnight_and_keep_missing_blank():
    out = natural_datetimes(pd.Series(["2026-10-31 21:02:29", "2026-03-07", None]))
    assert out.tolist() == ["31 Oct 2026, 21:02", "7 Mar 2026", ""]


def test_signed():
    assert (signed(1.84), signed(-14), signed(0.0), signed(None)) == ("+1.8", "-14.0", "+0.0", "–")
    assert signed(float("nan")) == "–"


def test_a_value_that_rounds_to_zero_never_reads_minus_zero():
    assert signed(-0.3, 0) == "+0"
    assert signed(-0.04) == "+0.0"
    assert signed(-0.6, 0) == "-1"
