import io

import pandas as pd
import pytest

from cxdata.export import neutralise, safe_csv


@pytest.mark.parametrize("cell", ["=1+1", "+44 20", "-cmd", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_like_text_is_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_ordinary_text_and_numbers_are_untouched():
    assert neutralise("Great service") == "Great service"
    assert neutralise(-14) == -14


def test_safe_csv_keeps_negative_numbers_numeric():
    frame = pd.DataFrame({"nps": [-14, 3], "comment": ['=HYPERLINK("x")', "ok"]})
    back = pd.read_csv(io.BytesIO(safe_csv(frame)), encoding="utf-8-sig")
    assert back["nps"].tolist() == [-14, 3]
    assert back["comment"].tolist() == ['\'=HYPERLINK("x")', "ok"]
