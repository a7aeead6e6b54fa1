"""Column roles from content (issue 19): which column is the comment, and numeric extras typed
from the rows the import keeps. Each file is small and built here with the trait of a real
export: survey questions as headers, choice questions beside free-text ones, mostly empty
columns, ratings named like a comment, a stray text cell in a number column."""

import csv
import io

import pytest

from cxdata import ingest
from cxdata.errors import InputError

PHRASES = [
    "the community is friendly and helpful",
    "plots look great with very little code",
    "packages exist for almost everything I need",
    "it is free and open source for everyone",
    "tidy data tools make cleaning much faster",
    "reproducible reports save me hours every week",
    "statistics feel native in this language",
    "I can share apps with colleagues quickly",
]
CHOICES = [
    "To use in my current job or career",
    "To prepare for a future job or career",
    "For personal projects and curiosity",
    "Because it is required for a class",
    "To analyse data for my research",
    "Other reasons not listed here",
    "I do not know yet, just exploring",
]


def free_text(i: int) -> str:
    """A different answer of several words for every row."""
    return f"{PHRASES[i % len(PHRASES)]} and number {i} of my reasons"


def write(tmp_path, header: list[str], rows: list[list[str]], name="survey.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def day(i: int) -> str:
    return f"2024-03-{i % 28 + 1:02d}"


def test_free_text_wins_over_a_choice_question_named_like_a_comment(db, tmp_path):
    # The 2018 R survey: a 7-choice "primary reason why" question (few answers) and a free-text
    # "What do you like best" question with many long, different answers.
    header = [
        "Timestamp",
        "How likely are you to recommend R to a friend?",
        "Which statement most closely reflects the primary reason why you learn R?",
        "What is your job title, if any?",
        "What do you like best about using R?",
    ]
    rows = [
        [
            day(i),
            str(i % 11),
            CHOICES[i % 7] if i % 10 == 0 else "",
            ["Analyst", "Data scientist", "Student"][i % 3],
            free_text(i) if i % 5 else "",
        ]
        for i in range(300)
    ]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping["comment"] == "What do you like best about using R?"
    chosen = next(a for a in report.assumptions if a.startswith("Comments read from"))
    assert "free text in 240 of 300 rows" in chosen and "7 choices" in chosen


def test_well_filled_free_text_wins_over_an_almost_empty_one(db, tmp_path):
    # The 2020 file: a column named like a comment answered in 2 % of rows beside a free-text
    # column answered in 80 %.
    header = ["date", "score", "reason_to_learn", "like_best"]
    rows = [
        [day(i), str(i % 11), free_text(i + 1000) if i % 50 == 0 else "", free_text(i)]
        if i % 5
        else [day(i), str(i % 11), free_text(i + 1000) if i % 50 == 0 else "", ""]
        for i in range(200)
    ]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping["comment"] == "like_best"
    comments = [r[0] for r in db.execute("SELECT comment FROM survey WHERE comment IS NOT NULL")]
    assert len(comments) == 160


def test_an_almost_empty_comment_column_is_kept_with_a_warning(db, tmp_path):
    header = ["date", "score", "comment"]
    rows = [[day(i), str(i % 11), free_text(i) if i % 10 == 0 else ""] for i in range(100)]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping["comment"] == "comment"
    assert any("answered in only 10 of 100 rows (10%)" in w for w in report.warnings)
    # The Data page's preview shows the same warning before anything is imported.
    preview = ingest.inspect_file(write(tmp_path, header, rows, name="again.csv"), "survey")
    assert any("answered in only 10 of 100 rows (10%)" in w for w in preview["warnings"])


@pytest.mark.parametrize("with_text", [True, False])
def test_a_rating_named_like_a_comment_is_never_the_comment(db, tmp_path, with_text):
    # The conference sheet: "valuable_feedback" holds a 1–6 rating.
    header = ["session", "valuable_feedback", "nps"] + (["what_went_well"] if with_text else [])
    rows = [
        [f"Session {i % 4}", str(i % 6 + 1), str(i % 11)] + ([free_text(i)] if with_text else [])
        for i in range(60)
    ]
    path = write(tmp_path, header, rows)
    report = ingest.import_file(db, path, "survey", wave="W1", wave_date="2020-07-31")
    assert report.mapping.get("comment") == ("what_went_well" if with_text else None)
    stored = db.execute("SELECT valuable_feedback FROM survey LIMIT 1").fetchone()[0]
    assert stored in range(1, 7)  # kept, as a number column
    if not with_text:
        assert any("'valuable_feedback' holds numbers 1–6" in a for a in report.assumptions)


def test_a_number_column_stays_numeric_when_only_rejected_rows_hold_text(db, tmp_path):
    # A decimal-comma wait time ("2,4") in a comma-delimited file, on a row with no score.
    header = ["date", "score", "wait_minutes"]
    rows = [[day(i), str(i % 11), f"{i % 9}.5"] for i in range(40)]
    rows[7] = [day(7), "", "2,4"]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.rejected == 1
    waits = [r[0] for r in db.execute("SELECT wait_minutes FROM survey ORDER BY source_row")]
    assert waits[:3] == [0.5, 1.5, 2.5] and all(isinstance(w, float) for w in waits)
    assert any("'wait_minutes' read as numbers" in a and "row 8" in a for a in report.assumptions)


def test_a_kept_row_with_text_in_a_number_column_stores_it_empty_and_names_the_row(db, tmp_path):
    header = ["date", "score", "wait_minutes"]
    rows = [[day(i), str(i % 11), str(i % 30)] for i in range(150)]
    rows[41][2] = "abc"
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.accepted == 150
    waits = [r[0] for r in db.execute("SELECT wait_minutes FROM survey ORDER BY source_row")]
    assert waits[41] is None and waits[40] == 10.0
    assert report.warnings == [
        "Column 'wait_minutes': 1 value(s) that are not numbers were stored empty "
        "(first at row 42: 'abc')."
    ]


def test_a_choice_column_named_like_a_comment_and_not_chosen_stays_text(db, tmp_path):
    # A Likert question whose header only partly reads like a comment column ("reason…"),
    # beside no free text: it is not the comment, and its answers are kept as text, never
    # "stored empty" as non-numbers.
    header = ["date", "score", "reasonable_time"]
    scale = ["Agree", "Disagree", "Neutral", "Strongly agree", "Strongly disagree"]
    rows = [[day(i), str(i % 11), scale[i % 5]] for i in range(200)]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert "comment" not in report.mapping
    assert not any("stored empty" in w for w in report.warnings)
    (column,) = report.extra_columns[-1:]
    stored = {r[column] for r in db.query("SELECT * FROM survey")}
    assert stored == set(scale)


def test_a_column_called_comment_stays_the_comment_when_most_wrote_the_same_words(db, tmp_path):
    # Thirty "fine" and three real complaints: a choice set by its values, but the export
    # calls it "comment", and the complaints must reach the verbatims.
    header = ["date", "score", "comment"]
    rows = [[day(i), str(i % 11), "fine"] for i in range(30)]
    rows += [[day(30 + i), "2", free_text(i)] for i in range(3)]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping["comment"] == "comment"
    assert {r["comment"] for r in db.query("SELECT * FROM survey")} >= {free_text(0), "fine"}


def test_a_yes_no_recommend_question_is_refused_as_a_different_question(db, tmp_path):
    # A form asking "Would you recommend us?" with Yes / No / Maybe, a few left blank: no NPS
    # can be computed, and the refusal says why instead of only quoting row 1.
    header = ["Timestamp", "Would you recommend us to a friend?"]
    answers = ["Yes", "No", "Maybe", ""]
    rows = [[f"2020/01/{i % 28 + 1:02d} 3:02:25 pm CET", answers[i % 4]] for i in range(40)]
    with pytest.raises(InputError) as refused:
        ingest.import_file(db, write(tmp_path, header, rows), "survey")
    message = str(refused.value)
    assert "holds words ('Yes', 'No', 'Maybe'), not numbers" in message
    assert "--map score=COLUMN" in message


def test_a_few_word_scores_among_numbers_do_not_get_the_different_question_message(db, tmp_path):
    header = ["date", "score"]
    rows = [[day(i), "ten" if i % 2 else ""] for i in range(10)]
    rows += [[day(11), "11"]]  # a number out of range: not a word
    with pytest.raises(InputError) as refused:
        ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert "different question" not in str(refused.value)


def test_a_column_named_like_a_segment_holding_free_text_or_ids_is_not_that_segment(db, tmp_path):
    # "region" here is what people typed about where they live; "channel" is a unique
    # session token: neither breaks NPS down into a few groups.
    header = ["date", "score", "region", "channel", "product"]
    rows = [
        [day(i), str(i % 11), free_text(i), f"tok-{i:05d}", ["Mobile", "Broadband"][i % 2]]
        for i in range(150)
    ]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert "region" not in report.mapping and "channel" not in report.mapping
    assert report.mapping["product"] == "product"  # two labels: a segment
    assert any("'region' is not used as the region: its answers are free text" in a
               for a in report.assumptions)  # fmt: skip
    assert any("'channel' is not used as the channel: its answers are 150 different" in a
               for a in report.assumptions)  # fmt: skip


def test_a_country_list_stays_a_segment(db, tmp_path):
    header = ["date", "score", "country"]
    countries = [f"Country {k}" for k in range(180)]
    rows = [[day(i), str(i % 11), countries[i % 180]] for i in range(900)]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping.get("region") == "country"
