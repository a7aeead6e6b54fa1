import pytest

from cxdata import ingest, verbatims


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Call me on +44 20 7946 0958 please", "Call me on [phone] please"),
        ("ring 555-0134", "ring [phone]"),
        ("mail jane.doe@example.com now", "mail [e-mail] now"),
        ("account 12345678", "account [number]"),
        ("waited 40 minutes, paid 45.50", "waited 40 minutes, paid 45.50"),
    ],
)
def test_mask_pii(text, masked):
    assert verbatims.mask_pii(text) == masked


def test_search_band_and_newest_first(db, write_csv):
    csv = (
        "date,score,comment\n2025-01-01,2,Bill was wrong\n2025-01-03,9,bill fixed fast\n"
        "2025-01-02,1,Slow courier\n2025-01-04,5,\n"
    )
    ingest.import_file(db, write_csv("v.csv", csv), "survey")
    found = verbatims.verbatims(db, search="BILL")
    assert found["comment"].tolist() == ["bill fixed fast", "Bill was wrong"]
    detractors = verbatims.verbatims(db, band="detractors")
    assert detractors["comment"].tolist() == ["Slow courier", "Bill was wrong"]


def test_search_treats_percent_and_underscore_literally(db, write_csv):
    csv = "date,score,comment\n2025-01-01,2,100% wrong\n2025-01-02,3,a_b\n2025-01-03,4,abc\n"
    ingest.import_file(db, write_csv("v.csv", csv), "survey")
    assert verbatims.verbatims(db, search="%")["comment"].tolist() == ["100% wrong"]
    assert verbatims.verbatims(db, search="_")["comment"].tolist() == ["a_b"]
