"""Bad input, systematically: random bytes, random CSV shapes and cells, hostile headers.

Whatever the file, an import either lands whole or raises InputError with a message — never
another exception, never a partial import. (Each property runs 150 generated files.)
"""

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxdata import ingest, store
from cxdata.errors import InputError
from cxdata.store import counts

# Seconds each (processes killed mid-import, fuzzing, benchmark runs): not in make test-fast.
pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=int(os.environ.get("CXDATA_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def state(db) -> tuple:
    return (
        tuple(store.count_rows(db, t) for t in (*store.KINDS, "datasets", "survey_counts")),
        db.execute("SELECT total(score) FROM survey").fetchone()[0],
    )


def import_or_refuse(db, path, kind="survey"):
    """Import; on refusal check nothing changed; on success check the counts add up."""
    before = state(db)
    rows_before = store.count_rows(db, kind)
    try:
        report = ingest.import_file(db, path, kind)
    except InputError as exc:
        assert str(exc).strip(), "an InputError must say what is wrong"
        assert state(db) == before, "a refused file must change nothing"
        return None
    stored = store.count_rows(db, kind) - rows_before
    assert stored == report.inserted and report.accepted >= report.inserted
    assert report.accepted + report.rejected + report.blank + report.skipped == report.rows
    assert counts.consistent(db)
    return report


@pytest.fixture
def seeded(tmp_path_factory):
    """A database already holding a few rows, so 'nothing lost' can be checked."""
    folder = tmp_path_factory.mktemp("seeded")
    db = store.connect(folder / "cx.db")
    path = folder / "seed.csv"
    path.write_text("response_id,date,score,channel\nS1,2025-01-02,9,Phone\nS2,2025-01-03,3,Web\n")
    ingest.import_file(db, path, "survey")
    return db, folder


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_random_bytes(seeded, data):
    db, folder = seeded
    path = folder / "random.csv"
    path.write_bytes(data)
    import_or_refuse(db, path)


CELL = st.one_of(
    st.integers(-20, 20).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "NA",
            "n/a",
            "-",
            "10 - Extremely likely",
            "7,5",
            "1.234,5",
            "2025-03-07",
            "07/03/2025",
            "3/7/25",
            "31.12.2024",
            "2025-02-30",
            "2025-03-07T10:00:00+02:00",
            '"quoted, cell"',
            "=cmd()",
            "\u00a09\u00a0",
        ]
    ),
    st.text(string.printable, max_size=12),
)
HEADER = st.one_of(
    st.sampled_from(
        [
            "score",
            "date",
            "NPS",
            "Date",
            "LTR",
            "comment",
            "channel",
            "response_id",
            "How likely are you to recommend us?",
            "",
            "score",
            '"; DROP TABLE survey; --',
            "Wie wahrscheinlich empfehlen",
            "ünïcode",
            "a b-c.d",
        ]
    ),
    st.text(string.ascii_letters + string.punctuation + " ", max_size=15),
)


@st.composite
def csv_files(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 7))
    headers = [draw(HEADER) for _ in range(width)]
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 2), max_size=15))

    def line(cells):
        return delimiter.join(c.replace(delimiter, " ") for c in cells)

    text = "\n".join([line(headers), *(line(r) for r in rows)])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@SETTINGS
@given(content=csv_files())
def test_random_csv_shapes_and_cells(seeded, content):
    db, folder = seeded
    path = folder / "shape.csv"
    path.write_bytes(content)
    import_or_refuse(db, path)


@SETTINGS
@given(content=csv_files(), kind=st.sampled_from(["transactional", "relationship"]))
def test_random_files_as_other_kinds(seeded, content, kind):
    db, folder = seeded
    path = folder / "other.csv"
    path.write_bytes(content)
    import_or_refuse(db, path, kind)


def test_sql_and_punctuation_in_headers_are_stored_as_quoted_columns(db, tmp_path):
    hostile = '"; DROP TABLE survey; --'
    path = tmp_path / "hostile.csv"
    path.write_text(
        'date,score,"""; DROP TABLE survey; --",,note,note,"a]b`c\'d"\n2025-01-01,9,x,y,n1,n2,z\n'
    )
    report = ingest.import_file(db, path, "survey")
    assert report.accepted == 1
    assert db["survey"].exists() and store.count_rows(db, "survey") == 1
    columns = store.table_columns(db, "survey")
    assert any("drop_table_survey" in c for c in columns)
    assert len([c for c in columns if c.startswith("note")]) == 2
    assert hostile not in columns  # names are normalised, and quoted wherever they are used


def test_five_hundred_columns(db, tmp_path):
    headers = ["date", "score"] + [f"q{i}" for i in range(498)]
    row = ["2025-01-01", "7"] + [str(i % 5) for i in range(498)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(headers) + "\n" + ",".join(row) + "\n")
    report = ingest.import_file(db, path, "survey")
    assert report.accepted == 1 and len(report.extra_columns) == 498


def test_file_name_is_a_label_never_a_path(db, tmp_path):
    path = tmp_path / "upload.csv"
    path.write_text("date,score\n2025-01-01,9\n")
    report = ingest.import_file(db, path, "survey", file_name="../../evil.csv")
    assert report.accepted == 1
    assert not (tmp_path.parent.parent / "evil.csv").exists()
    assert store.list_datasets(db)[0]["file_name"] == "../../evil.csv"  # shown, never opened
