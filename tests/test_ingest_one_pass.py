"""A large plain export is read once: planned from its first rows and profiled as it is
written (cxdata.ingest.plan.Planner.first_rows). Whatever the file, the result must be exactly
what planning from the whole file first gives: the same report and the same stored rows. A
file whose later rows decide otherwise (dates that turn out day-first, a column that turns
out to be text, a row Arrow cannot read) is rolled back and imported again, and nothing of
the first attempt stays."""

import pytest

from cxdata import ingest, store
from cxdata.ingest import chunks, plan
from tests.conftest import DATA
from tests.test_ingest_fast_read import CORPUS, KINDS, rows

# Each test compares two SQLite files; the PostgreSQL run takes the test at the end of the file.
SQLITE = pytest.mark.sqlite_only("compares two SQLite databases")

# Small Arrow chunks, so a test file's first chunk is only part of it.
BLOCK = 2_000


@pytest.fixture
def watched(monkeypatch):
    """Force the one-pass import on any file (Arrow for every size, small chunks) and record
    how each import was planned: "kept" (the first rows' plan held), "again" (planned again
    from the whole file) or "whole" (planned from the whole file first)."""
    monkeypatch.setattr(chunks, "_FAST_READ_BYTES", 0)
    monkeypatch.setattr(chunks, "_ARROW_BLOCK_BYTES", BLOCK)
    seen: list[str] = []
    first_rows, changed = plan.Planner.first_rows, plan.PlanChanged.__init__

    def spy_first_rows(self):
        planned = first_rows(self)
        seen.append("whole" if planned is None else "kept")
        return planned

    def spy_changed(self, whole):
        seen[-1] = "again"
        changed(self, whole)

    monkeypatch.setattr(plan.Planner, "first_rows", spy_first_rows)
    monkeypatch.setattr(plan.PlanChanged, "__init__", spy_changed)
    return seen


def imported(path, db_path, one_pass: bool, monkeypatch, kind=None, **options):
    if not one_pass:
        monkeypatch.setattr(plan.Planner, "first_rows", lambda self: None)
    kind = kind or KINDS.get(path.name, "survey")
    if kind == "relationship" and path.name == "no_date_wave.csv":
        options = {"wave": "W1", "wave_date": "2025-03-31", **options}
    db = store.connect(db_path)
    try:
        report = ingest.import_file(db, path, kind, chunk_rows=1, **options).to_dict()
    except Exception as exc:  # InputError: the message must match too
        return db, type(exc).__name__ + ": " + str(exc)
    report.pop("dataset_id")
    return db, report


def same_as_whole_file(path, tmp_path, monkeypatch, kind=None, **options):
    """Import ``path`` both ways; assert the reports and stored rows are the same."""
    kind = kind or KINDS.get(path.name, "survey")
    one_db, one = imported(path, tmp_path / "one.db", True, monkeypatch, kind, **options)
    with monkeypatch.context() as m:
        whole_db, whole = imported(path, tmp_path / "whole.db", False, m, kind, **options)
    assert one == whole
    assert rows(one_db, kind) == rows(whole_db, kind)
    for table in ("datasets", "dataset_rejections", "survey_counts", "row_versions"):
        if one_db[table].exists():
            ours = one_db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            theirs = whole_db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            if table == "datasets":  # the import's time differs
                ours, theirs = _without_time(one_db, ours), _without_time(whole_db, theirs)
            assert ours == theirs, table
    return one


def _without_time(db, records):
    names = [c.name for c in db["datasets"].columns]
    return [tuple(v for n, v in zip(names, r) if "imported" not in n) for r in records]


@SQLITE
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_one_pass_and_whole_file_plans_agree_on_every_test_file(
    path, tmp_path, monkeypatch, watched
):
    same_as_whole_file(path, tmp_path, monkeypatch)


def write(path, header: str, lines: list[str]) -> None:
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


@SQLITE
def test_dates_that_turn_out_day_first_are_planned_again(tmp_path, monkeypatch, watched):
    # Every date of the first thousands of rows reads both ways (days up to 12); the last
    # rows hold 13–28 as the first number: the file is day-first.
    lines = [f"R{i},0{1 + i % 9}/0{1 + i % 7}/2025,{i % 11}" for i in range(3_000)]
    lines += [f"S{i},{13 + i % 16}/03/2025,{i % 11}" for i in range(50)]
    path = tmp_path / "later_day_first.csv"
    write(path, "response_id,date,score", lines)
    report = same_as_whole_file(path, tmp_path, monkeypatch)
    assert watched[0] == "again"
    assert report["accepted"] == 3_050 and report["rejected"] == 0
    db = store.connect(tmp_path / "one.db")
    assert db.execute("SELECT count(*) FROM datasets").fetchone()[0] == 1
    assert (
        db.execute("SELECT responded_at FROM survey WHERE response_id = 'S0'")
        .fetchone()[0]
        .startswith("2025-03-13")
    )


@SQLITE
def test_a_column_that_turns_out_to_be_text_is_planned_again(tmp_path, monkeypatch, watched):
    # "basket" holds numbers in the first rows, then words in many: a text column.
    lines = [f"R{i},2025-01-0{1 + i % 9},{i % 11},{i % 50}" for i in range(3_000)]
    lines += [f"S{i},2025-02-0{1 + i % 9},{i % 11},large" for i in range(200)]
    path = tmp_path / "later_text.csv"
    write(path, "response_id,date,score,basket", lines)
    same_as_whole_file(path, tmp_path, monkeypatch)
    assert watched[0] == "again"
    db = store.connect(tmp_path / "one.db")
    column_types = {c.name: c.type for c in db["survey"].columns}
    assert column_types["basket"] == "TEXT"
    assert db.execute("SELECT count(*) FROM survey WHERE basket = 'large'").fetchone()[0] == 200


@SQLITE
def test_a_row_arrow_cannot_read_late_in_the_file_falls_back(tmp_path, monkeypatch, watched):
    lines = [f"R{i},2025-01-0{1 + i % 9},{i % 11}" for i in range(3_000)]
    lines.insert(2_500, "R-ragged,2025-01-05,7,extra,cells")
    path = tmp_path / "later_ragged.csv"
    write(path, "response_id,date,score", lines)
    report = same_as_whole_file(path, tmp_path, monkeypatch)
    assert report["rejected"] == 1
    db = store.connect(tmp_path / "one.db")
    assert db.execute("SELECT count(*) FROM datasets").fetchone()[0] == 1


@SQLITE
def test_line_breaks_in_later_values_keep_line_numbers_right(tmp_path, monkeypatch, watched):
    lines = [f"R{i},2025-01-0{1 + i % 9},{i % 11},fine" for i in range(3_000)]
    lines[2_000] = 'R2000,2025-01-03,7,"two\nlines"'
    lines[2_600] = "R2600,2025-01-03,eleven,bad score"
    path = tmp_path / "later_lines.csv"
    write(path, "response_id,date,score,comment", lines)
    report = same_as_whole_file(path, tmp_path, monkeypatch)
    assert watched[0] == "kept"
    # Row 2,601 starts on line 2,603: the header, then one line break inside a value.
    assert report["rejected_rows"][0]["row"] == 2_601
    assert report["rejected_rows"][0]["line"] == 2_603


@SQLITE
def test_a_plain_file_is_read_once_when_its_first_rows_decide(tmp_path, monkeypatch, watched):
    lines = [f"R{i},2025-01-{1 + i % 28:02d},{i % 11},{i % 7}" for i in range(5_000)]
    path = tmp_path / "plain.csv"
    write(path, "response_id,date,score,ease", lines)
    reads = []
    original = chunks._arrow_chunks

    def counted(fmt, width, columns=None):
        batches = 0
        for batch in original(fmt, width, columns):
            batches += 1
            yield batch
        reads.append(batches)  # only a read to the end gets here

    monkeypatch.setattr(chunks, "_arrow_chunks", counted)
    report = imported(path, tmp_path / "x.db", True, monkeypatch)[1]
    assert watched == ["kept"] and report["accepted"] == 5_000
    assert len(reads) == 1 and reads[0] > 10  # one read to the end, in many chunks
    assert any("ease" in a for a in report["assumptions"])


@SQLITE
def test_small_and_unusual_files_are_planned_from_the_whole_file(tmp_path, monkeypatch):
    # Without the test's small chunks: a file of a few thousand rows is read twice, as before.
    seen = []
    first_rows = plan.Planner.first_rows
    monkeypatch.setattr(
        plan.Planner, "first_rows", lambda self: seen.append(first_rows(self)) or seen[-1]
    )
    ingest.import_file(store.connect(tmp_path / "x.db"), DATA / "ambiguous_dates.csv", "survey")
    assert seen == [None]


@SQLITE
def test_most_test_files_are_read_once(tmp_path, monkeypatch, watched):
    # The test files above go through the one pass, but for those Arrow does not read
    # (other encodings, survey-tool headers, files without rows); the tests after them make
    # the whole file decide otherwise.
    for i, path in enumerate(CORPUS):
        with monkeypatch.context() as m:
            imported(path, tmp_path / f"{i}.db", True, m)
    assert watched.count("kept") >= len(CORPUS) // 2, watched


@SQLITE
def test_the_report_counts_the_whole_file(tmp_path, monkeypatch, watched):
    # The first rows all hold comments; most later rows none: the warning about a mostly
    # empty comment column, and the counts in it, are the whole file's.
    words = ["slow", "friendly", "billing", "app", "waited", "helpful", "price", "again"]
    lines = [
        f"R{i},2025-01-0{1 + i % 9},{i % 11},the {words[i % 8]} {words[i % 7]} was {i} times"
        for i in range(1_000)
    ]
    lines += [f"S{i},2025-02-0{1 + i % 9},{i % 11}," for i in range(6_000)]
    path = tmp_path / "comments_first.csv"
    write(path, "response_id,date,score,comment", lines)
    report = same_as_whole_file(path, tmp_path, monkeypatch)
    assert watched[0] == "kept"
    assert any("answered in only 1,000 of 7,000 rows" in w for w in report["warnings"])


@SQLITE
def test_the_assumptions_count_the_whole_file(tmp_path, monkeypatch, watched):
    # Two score candidates; the chosen one is valid in every first row, not in a few later.
    lines = [f"R{i},2025-01-0{1 + i % 9},Agree,{i % 11}" for i in range(3_000)]
    lines += [f"S{i},2025-02-0{1 + i % 9},Agree,11" for i in range(30)]
    path = tmp_path / "scores_later_invalid.csv"
    write(path, "response_id,date,Recommend,LikelyToRecommend", lines)
    report = same_as_whole_file(path, tmp_path, monkeypatch)
    assert watched[0] == "kept"
    assert any("3,000 of its 3,030 values are 0–10 scores" in a for a in report["assumptions"])
    assert report["rejected"] == 30


def test_a_column_planned_again_on_the_backend_under_test(
    db_address, tmp_path, monkeypatch, watched
):
    # On a server the extra columns are added before the import's transaction: the first
    # rows' numeric column goes again, and the whole file's text column takes its place.
    lines = [f"R{i},2025-01-0{1 + i % 9},{i % 11},{i % 50}" for i in range(3_000)]
    lines += [f"S{i},2025-02-0{1 + i % 9},{i % 11},large" for i in range(200)]
    path = tmp_path / "later_text.csv"
    write(path, "response_id,date,score,basket", lines)
    db = store.connect(db_address)
    report = ingest.import_file(db, path, "survey", chunk_rows=1)
    assert watched == ["again"] and report.accepted == 3_200
    assert db.execute("SELECT count(*) FROM datasets").fetchone()[0] == 1
    stored = dict(db.execute("SELECT response_id, basket FROM survey").fetchall())
    assert stored["R7"] == "7" and stored["S0"] == "large"  # text, not the number 7.0
