"""Maturity scoring (SPEC §6), the instrument, and maturity CSV import."""

import pandas as pd
import pytest

from cxdata import departments, maturity, store
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


def test_bad_answers_are_reported_with_row_and_item(tmp_path):
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
    assert report.problems == [
        "row 2, item STR9: not in the maturity instrument",
        "row 3, item STR2: score 5 is outside 0–4",
        "row 6, item STR3: score 'abc' is not a number",
    ]
    assert report.rejected[0]["line"] == 3
    # n/a is "not answered", not an error; Legal is a department like any other
    assert good["item_id"].tolist() == ["STR1", "STR3", "STR4"]


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
    path.write_text("assessed_at,department,rater,item_id,score\n2026-06-15,Legal,A,STR1,7\n")
    with pytest.raises(InputError, match="row 1, item STR1: score 7 is outside 0–4"):
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
    with pytest.raises(InputError, match="Name the department"):
        maturity.save_answers(db, "2026-06-15", "  ", "Ana", {"STR1": 2})
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


# --- the organisation's departments in maturity files and the questionnaire -----------------


def wide_text(*lines):
    items = [f"{c}{i}" for c in CODES for i in range(1, 5)]
    return (
        "assessed_at,department,rater,"
        + ",".join(items)
        + "\n"
        + "".join(line + "\n" for line in lines)
    )


def test_a_file_with_claims_and_underwriting_scores_both(db, tmp_path):
    path = tmp_path / "insurer.csv"
    path.write_text(
        wide_text("2026-06-15,Claims,Ana," + ",".join(["3"] * 24))
        + "2026-06-15,Underwriting,Bo,"
        + ",".join(["1"] * 24)
        + "\n"
    )
    report = maturity.import_responses(db, path)
    assert report.rejected == [] and report.new_departments == ["Claims", "Underwriting"]
    result = maturity.score_assessment(maturity.load_responses(db))
    assert {k: v.overall for k, v in result.departments.items()} == {
        "Claims": 3.0,
        "Underwriting": 1.0,
    }


def test_departments_from_a_maturity_file_join_the_list(db, tmp_path):
    path = tmp_path / "insurer.csv"
    path.write_text(wide_text("2026-06-15,Claims,Ana," + ",".join(["3"] * 24)))
    maturity.import_responses(db, path)
    table = departments.table(db)
    assert table[["name", "source"]].values.tolist() == [["Claims", "maturity file"]]


def test_an_alias_in_a_file_is_scored_under_its_department(db, tmp_path):
    departments.save(db, pd.DataFrame({"name": ["Customer Service"], "aliases": ["CS"]}))
    path = tmp_path / "cs.csv"
    path.write_text(
        wide_text(
            "2026-06-15, cs ,Ana," + ",".join(["2"] * 24),
            "2026-06-15,Customer Service,Bo," + ",".join(["4"] * 24),
        )
    )
    report = maturity.import_responses(db, path)
    assert report.new_departments == []
    result = maturity.score_assessment(maturity.load_responses(db))
    # One department with two raters: (2 + 4) / 2 = 3 in every domain.
    assert list(result.departments) == ["Customer Service"]
    assert result.departments["Customer Service"].overall == pytest.approx(3.0)


def test_one_out_of_range_answer_rejects_only_itself(db, tmp_path):
    scores = ["2"] * 24
    scores[21] = "7"  # MET2
    path = tmp_path / "one_bad.csv"
    path.write_text(
        wide_text(
            "2026-06-15,Sales,Ana," + ",".join(["2"] * 24),
            "2026-06-15,Sales,Bo," + ",".join(["2"] * 24),
            "2026-06-15,Sales,Cy," + ",".join(["2"] * 24),
            "2026-06-15,Sales,Di," + ",".join(scores),
        )
    )
    report = maturity.import_responses(db, path)
    assert report.problems == ["row 4, item MET2: score 7 is outside 0–4"]
    assert report.answers == 24 * 4 - 1 and report.accepted == 4
    stored = maturity.load_responses(db)
    assert len(stored[stored["rater"] == "Di"]) == 23


def test_a_row_without_a_rater_is_rejected_whole_and_says_so(tmp_path):
    path = tmp_path / "no_rater.csv"
    path.write_text(
        wide_text(
            "2026-06-15,Sales,Ana," + ",".join(["2"] * 24),
            "2026-06-15,Sales,," + ",".join(["3"] * 24),
        )
    )
    good, report = maturity.read_responses(path)
    assert report.problems == ["row 2: no rater: the row's 24 answer(s) were not stored"]
    assert report.rows_rejected == 1 and set(good["rater"]) == {"Ana"}


def test_an_unknown_item_column_in_a_wide_file_is_reported_for_each_answer(tmp_path):
    path = tmp_path / "extra_item.csv"
    path.write_text(
        "assessed_at,department,rater,STR1,STR2,STR9\n"
        "2026-06-15,Sales,Ana,3,3,4\n"
        "2026-06-15,Sales,Bo,3,3,\n"
    )
    good, report = maturity.read_responses(path)
    assert report.problems == ["row 1, item STR9: not in the maturity instrument"]
    assert sorted(set(good["item_id"])) == ["STR1", "STR2"]  # Bo's blank STR9 is no answer


def test_the_questionnaire_accepts_any_department_under_its_canonical_name(db):
    departments.save(db, pd.DataFrame({"name": ["Customer Service"], "aliases": ["CS"]}))
    maturity.save_answers(db, "2026-06-15", "cs", "Ana", {"STR1": 3})
    maturity.save_answers(db, "2026-06-15", "Claims", "Bo", {"STR1": 2})
    assert set(maturity.load_responses(db)["department"]) == {"Customer Service", "Claims"}
    assert maturity.rater_answers(db, "2026-06-15", "CS", "Ana") == {"STR1": 3.0}
    assert departments.table(db)[["name", "source"]].values.tolist() == [
        ["Customer Service", "settings"],
        ["Claims", "questionnaire"],
    ]


def test_departments_are_scored_in_the_order_given():
    rows = answers("Sales", "A", dict.fromkeys(CODES, 2))
    rows += answers("Claims", "A", dict.fromkeys(CODES, 2))
    result = maturity.score_assessment(frame(rows), order=["Claims", "Sales"])
    assert list(result.departments) == ["Claims", "Sales"]
    unordered = maturity.score_assessment(frame(rows))
    assert list(unordered.departments) == ["Sales", "Claims"]  # as they first appear


def test_stored_answers_come_in_the_department_lists_order(db):
    departments.save(db, pd.DataFrame({"name": ["Underwriting", "Claims"]}))
    maturity.save_answers(db, "2026-06-15", "Claims", "Ana", {"STR1": 3})
    maturity.save_answers(db, "2026-06-15", "Underwriting", "Bo", {"STR1": 2})
    result = maturity.score_history(maturity.load_responses(db))[-1]
    assert list(result.departments) == ["Underwriting", "Claims"]


# --- rounds: complete assessments and drafts -----------------------------------------------

ALL = dict.fromkeys(CODES, 2)


def dated(date, *departments_and_domains):
    """Answers on ``date``: for each (department, {domain: score}) every item of the domains."""
    rows = []
    for dept, domains in departments_and_domains:
        rows += answers(dept, "A", domains, date=date)
    return rows


def test_the_first_round_needs_each_domain_covered_by_one_department():
    # Sales covers all six domains; Claims only STR: each domain has at least one department.
    rows = dated("2026-01-10", ("Sales", ALL), ("Claims", {"STR": 2}))
    (only,) = maturity.rounds(frame(rows), ["Sales", "Claims", "Legal"])
    assert only.complete and (only.departments, only.of) == (2, 3)
    assert only.covered == {"STR": 2, "CUL": 1, "ACC": 1, "VOC": 1, "DES": 1, "MET": 1}


def test_a_first_round_missing_a_domain_is_a_draft():
    rows = dated("2026-01-10", ("Sales", {c: 2 for c in CODES[:5]}))  # no MET answered
    (only,) = maturity.rounds(frame(rows), ["Sales", "Claims"])
    assert not only.complete
    assert only.label == "2026-01-10 (draft, 1 of 2 departments)"
    assert only.reason.endswith("short: Metrics & ROI 0")


def test_fewer_than_half_a_domains_items_does_not_cover_it():
    # One item of each of the six domains (1 of 4 < half): no domain is covered.
    rows = [("2026-01-10", "Sales", "A", f"{c}1", 3) for c in CODES]
    (only,) = maturity.rounds(frame(rows), ["Sales"])
    assert not only.complete and set(only.covered.values()) == {0}


def test_a_round_with_fewer_departments_than_the_last_complete_one_is_a_draft():
    # Round 1: three departments cover everything. Round 2: two do (of three listed) → draft.
    first = dated("2026-01-10", ("Sales", ALL), ("Claims", ALL), ("Legal", ALL))
    second = dated("2026-07-10", ("Sales", ALL), ("Claims", ALL))
    found = maturity.rounds(frame(first + second), ["Sales", "Claims", "Legal"])
    assert [r.complete for r in found] == [True, False]
    assert found[1].needed == 3 and found[1].label.endswith("(draft, 2 of 3 departments)")


def test_a_round_covered_by_every_listed_department_is_complete():
    # The list shrank to two departments: round 2 has fewer than round 1's three, but all.
    first = dated("2026-01-10", ("Sales", ALL), ("Claims", ALL), ("Legal", ALL))
    second = dated("2026-07-10", ("Sales", ALL), ("Claims", ALL))
    found = maturity.rounds(frame(first + second), ["Sales", "Claims"])
    assert [r.complete for r in found] == [True, True]
    assert found[1].reason == "every department in the list covers every domain"


def test_the_bar_is_the_last_complete_round_not_a_draft():
    # 3 departments (complete), then a 1-department draft, then 3 again: complete (needs 3).
    full = (("Sales", ALL), ("Claims", ALL), ("Legal", ALL))
    rows = dated("2026-01-10", *full) + dated("2026-03-01", ("Sales", {"STR": 1}))
    rows += dated("2026-07-10", *full)
    found = maturity.rounds(frame(rows), ["Sales", "Claims", "Legal", "Audit"])
    assert [(r.complete, r.needed) for r in found] == [(True, 1), (False, 3), (True, 3)]


def test_latest_complete_skips_drafts_and_stops_at_a_date():
    full = (("Sales", ALL), ("Claims", ALL))
    rows = dated("2026-01-10", *full) + dated("2026-07-10", *full)
    rows += dated("2026-09-01", ("Sales", {"STR": 1}))
    found = maturity.rounds(frame(rows), ["Sales", "Claims"])
    assert maturity.latest_complete(found).assessed_at == "2026-07-10"
    assert maturity.latest_complete(found, up_to="2026-06-30").assessed_at == "2026-01-10"
    assert maturity.latest_complete(found, up_to="2025-12-31") is None


def test_four_answers_on_a_new_date_leave_the_organisation_result_as_it_was(sample_db):
    before = maturity.latest_complete_assessment(sample_db)
    maturity.save_answers(
        sample_db, "2026-09-01", "Sales", "Zoe", {"STR1": 1, "STR2": 1, "STR3": 0, "STR4": 1}
    )
    after = maturity.latest_complete_assessment(sample_db)
    assert after.assessed_at == before.assessed_at == "2026-06-15"
    assert after.organisation.to_dict() == before.organisation.to_dict()
    draft = maturity.load_rounds(sample_db)[-1]
    assert draft.label == "2026-09-01 (draft, 1 of 11 departments)"


def test_a_draft_is_never_on_the_briefing(sample_db):
    import numpy as np

    from cxdata import brief

    # A questionnaire begun in the briefing's month: four Strategy answers from one rater.
    started = {"STR1": 0, "STR2": 0, "STR3": 0, "STR4": 0}
    maturity.save_answers(sample_db, "2026-10-05", "Sales", "Zoe", started)
    b = brief.briefing(sample_db, month="2026-10", rng=np.random.default_rng(1))
    assert b.maturity["assessed_at"] == "2026-06-15" and b.maturity["stage"] == 3


def test_one_department_written_in_two_cases_is_one(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        wide_text(
            "2026-06-15,Claims,Ana," + ",".join(["2"] * 24),
            "2026-06-15, claims ,Bo," + ",".join(["4"] * 24),
        )
    )
    good, _ = maturity.read_responses(path)
    assert set(good["department"]) == {"Claims"}  # the first spelling


def test_a_row_without_a_department_is_rejected_whole(tmp_path):
    path = tmp_path / "no_department.csv"
    path.write_text(
        "assessed_at,department,rater,item_id,score\n"
        "2026-06-15,,Ana,STR1,3\n"
        "2026-06-15,Claims,Ana,STR1,3\n"
    )
    good, report = maturity.read_responses(path)
    assert report.problems == ["row 1: no department: its answer was not stored"]
    assert good["department"].tolist() == ["Claims"]
