"""Maturity scoring (SPEC §6), the instrument, and maturity CSV import."""

import pandas as pd
import pytest

from cxdata import maturity, store
from cxdata.errors import InputError

CODES = ["STR", "CUL", "ACC", "VOC", "DES", "MET"]


def answers(department, rater, scores_by_domain, items=4, date="2026-06-15"):
    """Rows giving every item of each domain the same score (None = not answered)."""
    rows = []
    for code, score in scores_by_domain.items():
        for i in range(1, items + 1):
            value = score[i - 1] if isinstance(score, list) else score
            rows.append((date, department, rater, f"{code}{i}", value))
    return rows


def frame(rows):
    out = pd.DataFrame(rows, columns=["assessed_at", "department", "rater", "item_id", "score"])
    out["score"] = out["score"].astype(float)
    return out


def test_instrument_has_six_weighted_domains_with_anchored_items():
    domains = maturity.instrument()
    assert list(domains) == CODES
    assert [d.weight for d in domains.values()] == [16, 14, 19, 14, 17, 20]
    for d in domains.values():
        assert len(d.items) >= 4
        assert [i["id"] for i in d.items] == [f"{d.code}{n}" for n in range(1, len(d.items) + 1)]
        assert all(len(i["anchors"]) == 5 and all(a.strip() for a in i["anchors"]) for i in d.items)
        assert sorted(d.next_stage) == [1, 2, 3, 4] and all(d.next_stage.values())


@pytest.mark.parametrize(
    "score, stage",
    [
        (0.0, 1),
        (0.79, 1),
        (0.8, 2),
        (1.59, 2),
        (1.6, 3),
        (2.39, 3),
        (2.4, 4),
        (3.19, 4),
        (3.2, 5),
        (4.0, 5),
        (0.795, 2),
    ],
)
def test_stage_thresholds_after_rounding(score, stage):
    assert maturity.stage_of(score) == stage


def test_a_score_of_2_4_through_floating_point_is_stage_4():
    value = 0.1 * 24  # 2.4000000000000004
    assert maturity.stage_of(value) == 4
    value = sum([0.8] * 3)  # 2.4000000000000004 too
    assert maturity.stage_of(value) == 4
    assert maturity.stage_of(2.3999999999999995) == 4


def test_all_items_answered_gives_the_weighted_overall():
    rows = answers("Sales", "A", dict(zip(CODES, [1, 2, 3, 4, 2, 1])))
    result = maturity.score_assessment(frame(rows))
    sales = result.departments["Sales"]
    expected = (16 * 1 + 14 * 2 + 19 * 3 + 14 * 4 + 17 * 2 + 20 * 1) / 100
    assert sales.overall == pytest.approx(expected)
    assert sales.weakest == "STR"  # ties go to the first domain in instrument order


def test_weakest_domain_caps_the_stage():
    # Five domains at 3.5 and MET at 0.5: overall 2.9 is stage 4, but MET (stage 1) caps it at 2.
    rows = answers("Sales", "A", {**dict.fromkeys(CODES[:5], 3.5), "MET": 0.5})
    sales = maturity.score_assessment(frame(rows)).departments["Sales"]
    assert sales.overall == pytest.approx(2.9)
    assert (sales.uncapped_stage, sales.stage, sales.capped_by) == (4, 2, "MET")
    assert sales.stage_name == "Emerging"


def test_domain_below_half_answered_is_insufficient_and_weights_renormalise():
    scores = dict.fromkeys(CODES, 2.0)
    scores["MET"] = [4, None, None, None]  # 1 of 4 answered: below half
    scores["STR"] = [3, 3, None, None]  # 2 of 4: exactly half is enough
    dept = maturity.score_assessment(frame(answers("Sales", "A", scores))).departments["Sales"]
    assert dept.domains["MET"] is None and dept.insufficient == ["MET"]
    assert dept.domains["STR"] == 3.0
    expected = (16 * 3 + (14 + 19 + 14 + 17) * 2) / 80
    assert dept.overall == pytest.approx(expected)
    assert dept.to_dict()["domains"]["MET"] is None


def test_each_department_counts_once_however_many_raters():
    rows = answers("Sales", "A", dict.fromkeys(CODES, 4))
    rows += answers("Sales", "B", dict.fromkeys(CODES, 4))
    rows += answers("Sales", "C", dict.fromkeys(CODES, 4))
    rows += answers("Marketing", "A", dict.fromkeys(CODES, 2))
    org = maturity.score_assessment(frame(rows)).organisation
    assert org.domains["STR"] == pytest.approx(3.0)  # not (4·3 + 2)/4 = 3.5


def test_weakest_department_caps_the_organisation():
    rows = answers("Sales", "A", dict.fromkeys(CODES, 3.5))
    rows += answers("Customer Service", "A", dict.fromkeys(CODES, 3.5))
    rows += answers("Executive Management", "A", dict.fromkeys(CODES, 0.5))
    org = maturity.score_assessment(frame(rows)).organisation
    # Organisation domains 2.5 → stage 4; Executive Management is stage 1 → organisation ≤ 2.
    assert org.uncapped_stage == 4
    assert (org.stage, org.capped_by) == (2, "Executive Management")


def test_raters_who_disagree_are_flagged():
    rows = answers("Marketing", "A", {**dict.fromkeys(CODES, 2), "VOC": 1})
    rows += answers("Marketing", "B", {**dict.fromkeys(CODES, 2), "VOC": 2.5})
    dept = maturity.score_assessment(frame(rows)).departments["Marketing"]
    assert dept.disagreement == {"VOC": 1.5}


def test_next_steps_for_the_two_weakest_domains():
    rows = answers("Sales", "A", {**dict.fromkeys(CODES, 3), "MET": 1, "ACC": 1.7})
    steps = maturity.next_steps(maturity.score_assessment(frame(rows)).departments["Sales"])
    assert [(s["domain"], s["stage"]) for s in steps] == [("MET", 2), ("ACC", 3)]
    assert steps[0]["practices"] == list(maturity.instrument()["MET"].next_stage[2])


def long_csv(tmp_path, rows, name="long.csv"):
    text = "assessed_at,department,rater,item_id,score\n" + "".join(
        f"{d},{dept},{r},{i},{'' if s is None else s}\n" for d, dept, r, i, s in rows
    )
    path = tmp_path / name
    path.write_text(text)
    return path


def wide_csv(tmp_path, rows, name="wide.csv"):
    table = frame(rows).pivot_table(
        index=["assessed_at", "department", "rater"],
        columns="item_id",
        values="score",
        dropna=False,
        aggfunc="first",
    )
    path = tmp_path / name
    table.reset_index().to_csv(path, index=False)
    return path


def test_wide_and_long_csv_give_identical_results(tmp_path):
    rows = answers("Sales", "A", dict(zip(CODES, [[1, 2, 3, None], 2, 3, 4, 0, 1])))
    rows += answers("Marketing", "B", dict(zip(CODES, [2, [4, 4, None, None], 1, 0, 3, 2])))
    long, long_report = maturity.read_responses(long_csv(tmp_path, rows))
    wide, wide_report = maturity.read_responses(wide_csv(tmp_path, rows))
    assert (long_report.layout, wide_report.layout) == ("long", "wide")
    assert maturity.score_assessment(long).to_dict() == maturity.score_assessment(wide).to_dict()


def test_bad_rows_are_reported_with_row_numbers(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "assessed_at,department,rater,item_id,score\n"
        "2026-06-15,Sales,A,STR1,3\n"
        "2026-06-15,Sales,A,STR9,3\n"
        "2026-06-15,Sales,A,STR2,5\n"
        "2026-06-15,Legal,A,STR3,2\n"
        "2026-06-15,Sales,A,STR4,n/a\n"
        "2026-06-15,Sales,A,STR3,abc\n"
    )
    good, report = maturity.read_responses(path)
    assert [(r["row"], r["reason"]) for r in report.rejected] == [
        (2, "unknown item id (STR9)"),
        (3, "score outside 0–4 (STR2)"),
        (4, "unknown department ('Legal')"),
        (6, "score is not a number (STR3)"),
    ]
    assert report.rejected[0]["line"] == 3
    assert good["item_id"].tolist() == ["STR1", "STR4"]  # n/a is "not answered", not an error


def test_import_is_atomic_idempotent_and_updates_answers(db, tmp_path):
    first = long_csv(tmp_path, answers("Sales", "A", dict.fromkeys(CODES, 2)))
    report = maturity.import_responses(db, first)
    assert report.answers == 24 and not report.already_imported
    again = maturity.import_responses(db, first)
    assert again.already_imported
    changed = long_csv(tmp_path, answers("Sales", "A", dict.fromkeys(CODES, 3)), "v2.csv")
    maturity.import_responses(db, changed)
    stored = maturity.load_responses(db)
    assert len(stored) == 24 and set(stored["score"]) == {3.0}


def test_a_file_with_no_valid_answer_is_refused_and_nothing_changes(db, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_text("assessed_at,department,rater,item_id,score\n2026-06-15,Legal,A,STR1,3\n")
    with pytest.raises(InputError, match="row 1: unknown department"):
        maturity.import_responses(db, path)
    assert store.count_rows(db, "maturity_responses") == 0
    assert store.list_datasets(db) == []


def test_deleting_a_maturity_import_removes_its_answers(db, tmp_path):
    report = maturity.import_responses(
        db, long_csv(tmp_path, answers("Sales", "A", dict.fromkeys(CODES, 2)))
    )
    assert store.list_datasets(db)[0]["rows_stored"] == 24
    assert store.delete_dataset(db, report.dataset_id) == 24


def test_questionnaire_answers_are_saved_and_replaced(db):
    maturity.save_answers(db, "2026-06-15", "Sales", "Ana", {"STR1": 2, "STR2": None})
    maturity.save_answers(db, "2026-06-15", "Sales", "Ana", {"STR1": 4})
    stored = maturity.load_responses(db).set_index("item_id")["score"]
    assert stored["STR1"] == 4 and pd.isna(stored["STR2"])
    with pytest.raises(InputError, match="departments"):
        maturity.save_answers(db, "2026-06-15", "Legal", "Ana", {"STR1": 2})
    with pytest.raises(InputError, match="0–4"):
        maturity.save_answers(db, "2026-06-15", "Sales", "Ana", {"STR1": 7})


def test_sample_assessment_differs_between_departments(sample_db):
    latest = maturity.score_history(maturity.load_responses(sample_db))[-1]
    overall = {k: v.overall for k, v in latest.departments.items()}
    assert len(overall) == 11
    assert max(overall.values()) - min(overall.values()) > 1.5
    assert latest.organisation.weakest == "MET"


# Overall = (16·STR + 14·CUL + 19·ACC + 14·VOC + 17·DES + 20·MET) / 100 (SPEC §6 weights).
# Domain means from item answers (4 items each; [2, 3, 2, 3] averages 2.5 exactly):
#   1.0, 1.0, 1.0, 2.0, 2.5, 2.0 → 159.5 / 100 = 1.595 in decimals, 1.59499999… as a double;
#   2.5, 2.5, 2.5, 3.5, 4.0, 4.0 → 319.5 / 100 = 3.195 in decimals, 3.19499999… as a double.
# Half-up decimal rounding gives 1.60 (stage 3, Defined) and 3.20 (stage 5, Embedded); the
# lowest domain (1.0 → stage 2; 2.5 → stage 4) does not cap either.
@pytest.mark.parametrize(
    ("domains", "overall", "stage"),
    [
        ([1, 1, 1, 2, [2, 3, 2, 3], 2], 1.60, 3),
        ([[2, 3, 2, 3], [2, 3, 2, 3], [2, 3, 2, 3], [3, 4, 3, 4], 4, 4], 3.20, 5),
    ],
)
def test_a_decimal_tie_rounds_half_up_before_the_stage_is_read(domains, overall, stage):
    rows = answers("Sales", "A", dict(zip(CODES, domains)))
    sales = maturity.score_assessment(frame(rows)).departments["Sales"]
    assert round(sales.overall, 2) != overall  # binary rounding reads the tie the wrong way
    assert sales.to_dict()["overall"] == overall
    assert sales.uncapped_stage == stage and sales.stage == stage


@pytest.mark.parametrize(("score", "two_decimals"), [(1.595, 1.6), (3.195, 3.2), (0.805, 0.81)])
def test_rounded_is_decimal_half_up(score, two_decimals):
    assert maturity.rounded(score) == two_decimals
