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


ATTACKS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+1+1", "-2+3"]


def test_displayed_tables_neutralise_formula_cells_and_keep_numbers():
    from ui.common import safe_frame

    frame = pd.DataFrame(
        {"comment": [*ATTACKS, "fine"], "nps": [-14, 3, 0, 9, 10, -100], "=col": ["a"] * 6}
    )
    shown = safe_frame(frame)
    assert shown["comment"].tolist() == ["'" + a for a in ATTACKS] + ["fine"]
    assert shown["nps"].tolist() == [-14, 3, 0, 9, 10, -100]
    assert list(shown.columns) == ["comment", "nps", "'=col"]
    assert frame["comment"].iloc[0] == ATTACKS[0]  # the caller's frame is untouched


def test_an_edited_table_gives_back_the_stored_values():
    from ui.common import _restored, safe_frame

    frame = pd.DataFrame({"note": [*ATTACKS, "'quoted", None], "n": range(7)})
    assert _restored(safe_frame(frame)).equals(frame)


def test_every_table_shown_goes_through_the_safe_helper():
    # Streamlit's table toolbar exports what is displayed as CSV, so a bare st.dataframe or
    # st.data_editor would hand a spreadsheet =HYPERLINK(...) raw: show_table / edit_table.
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bare = re.compile(r"\.(?:dataframe|data_editor)\(|\bst\.table\(")
    files = [root / "app.py", *sorted((root / "ui").glob("*.py")), *(root / "pages").glob("*.py")]
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if bare.search(line) and "(safe_frame(frame)" not in line  # the helpers themselves
    ]
    assert found == []
