"""Comment themes: keyword matching, the stored dictionary, and theme statistics."""

import pandas as pd
import pytest

from cxdata import ingest, themes
from cxdata.errors import InputError


def test_keywords_match_at_the_start_of_words():
    flags = themes.theme_flags(
        pd.Series(["My BILLING is wrong", "so happy", "the app crashed", "rebill", None]),
        {"billing": ["bill"], "digital": ["app"]},
    )
    assert flags["theme:billing"].tolist()[:4] == [1, 0, 0, 0]
    assert flags["theme:digital"].tolist()[:4] == [0, 0, 1, 0]
    assert flags.iloc[4].isna().all()


def test_defaults_until_saved_then_round_trip(db):
    assert themes.load_themes(db) == themes.DEFAULT_THEMES
    themes.save_themes(db, {"Network": ["signal", " Outage "]})
    assert themes.load_themes(db) == {"Network": ["signal", "outage"]}


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"": ["x"]}, "needs a name"),
        ({"a": [" "]}, "Theme 'a' needs at least one keyword"),
        ({"A": ["x"], "a": ["y"]}, "twice"),
    ],
)
def test_bad_dictionaries_are_refused_and_nothing_changes(db, bad, message):
    themes.save_themes(db, {"kept": ["k"]})
    with pytest.raises(InputError, match=message):
        themes.save_themes(db, bad)
    assert themes.load_themes(db) == {"kept": ["k"]}


def table(*rows):
    return pd.DataFrame(list(rows), columns=["theme", "keywords"])


def test_a_theme_saved_without_keywords_is_refused_with_a_message(db):
    # An editor's cleared cell arrives as NaN, which str() would have made the keyword "nan".
    report = themes.save_theme_table(db, table(("billing", float("nan")), ("waiting", "wait")))
    assert report.rejected == [
        {"row": 1, "theme": "billing", "reason": "Theme 'billing' needs at least one keyword"}
    ]
    assert report.message == (
        "Nothing saved: row 1: Theme 'billing' needs at least one keyword. "
        "Correct it and save again."
    )


def test_a_refused_row_leaves_the_stored_dictionary_as_it_was(db):
    themes.save_themes(db, {"kept": ["k"]})
    themes.save_theme_table(db, table(("billing", None), ("waiting", "wait")))
    assert themes.load_themes(db) == {"kept": ["k"]}


def test_blank_editor_rows_are_skipped(db):
    report = themes.save_theme_table(
        db, table(("billing", "bill, Invoice"), (None, None), ("", " "))
    )
    assert (report.saved, report.skipped, report.rejected) == (["billing"], 2, [])
    assert report.message == "Saved 1 theme. 2 blank rows skipped."
    assert themes.load_themes(db) == {"billing": ["bill", "invoice"]}


def test_a_theme_without_a_name_or_repeated_is_listed_by_row(db):
    report = themes.save_theme_table(
        db, table(("Billing", "bill"), (None, "fee"), ("billing", "x"))
    )
    assert [(r["row"], r["reason"]) for r in report.rejected] == [
        (2, "a theme needs a name (keywords fee)"),
        (3, "Theme 'billing' is already row 1"),
    ]


def test_an_emptied_table_is_refused_rather_than_bringing_back_the_defaults(db):
    themes.save_themes(db, {"kept": ["k"]})
    report = themes.save_theme_table(db, table((None, None)))
    assert report.message.startswith("Nothing saved: the dictionary needs at least one theme")
    assert themes.load_themes(db) == {"kept": ["k"]}


def test_parse_keywords():
    assert themes.parse_keywords("Bill, invoice ,, bill") == ["bill", "invoice"]


def test_theme_summary_shares_and_nps(db, write_csv):
    csv = (
        "date,score,comment\n"
        "2025-01-01,2,Bill was wrong\n2025-01-01,1,billing again\n2025-01-01,3,slow courier\n"
        "2025-01-01,10,fair bill\n2025-01-01,9,great staff\n2025-01-01,8,\n"
    )
    ingest.import_file(db, write_csv("c.csv", csv), "survey")
    summary = themes.theme_summary(db, {"billing": ["bill"], "delivery": ["courier"]})
    billing = summary.set_index("theme").loc["billing"]
    assert (billing["mentions"], billing["detractors"], billing["promoters"]) == (3, 2, 1)
    assert billing["share_detractors"] == pytest.approx(2 / 3)
    assert billing["share_promoters"] == pytest.approx(1 / 2)
    assert billing["hidden"]  # three comments: too few to show an NPS


def test_a_repeated_theme_is_listed_even_when_its_first_row_is_refused_too(db):
    report = themes.save_theme_table(db, table(("billing", None), ("Billing", "bill")))
    assert [r["reason"] for r in report.rejected] == [
        "Theme 'billing' needs at least one keyword",
        "Theme 'Billing' is already row 1",
    ]
