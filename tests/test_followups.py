"""The closed loop with people: owner, assignee, due date from the SLA, overdue on the team's
clock, filters, the save report, and the ``followups`` command.

Most tests use a five-row survey written here, so every count is worked by hand:

    R1  2026-10-01  2  Claims        due 2026-10-08 (7 days)
    R2  2026-10-10  5  Underwriting  due 2026-10-17
    R3  2026-10-20  9  Claims        a promoter: no follow-up
    R4  2026-09-15  0  (none)        due 2026-09-22
    R5  2026-10-31  6  Claims        due 2026-11-07
"""

import json

import pytest

from cxdata import followups, ingest
from cxdata.cli import followups as followups_cli
from cxdata.cli import main

SURVEY = (
    "response_id,date,score,department,comment\n"
    "R1,2026-10-01,2,Claims,Call me at jane@example.com\n"
    "R2,2026-10-10,5,Underwriting,slow\n"
    "R3,2026-10-20,9,Claims,great\n"
    "R4,2026-09-15,0,,no department\n"
    "R5,2026-10-31 18:30,6,Claims,meh\n"
)
TODAY = "2026-10-12"  # R1 (due 10-08) and R4 (due 09-22) are overdue; R2 and R5 are not


@pytest.fixture
def loop(tmp_path, write_csv):
    """The five-row survey in a fresh database; returns (db, path)."""
    from cxdata import store

    path = tmp_path / "loop.db"
    db = store.connect(path)
    ingest.import_file(db, write_csv("survey.csv", SURVEY), "survey")
    yield db, path
    db.conn.close()


def _sid(db, response_id: str) -> int:
    return followups.survey_id_of_response(db, response_id)


def _row(db, response_id: str) -> dict:
    return followups.followup_item(db, _sid(db, response_id), masked=False, today=TODAY)


def _departments(db, *rows):
    """Departments as the other half of issue 21 stores them: (name, sla_days, aliases)."""
    db["departments"].insert_all(
        {
            "name": name,
            "position": i,
            "aliases": json.dumps(aliases),
            "sla_days": sla,
            "source": "settings",
            "added_at": "2026-12-01 00:00:00",
        }
        for i, (name, sla, aliases) in enumerate(rows)
    )


# --- due dates and overdue -------------------------------------------------------------------


def test_due_date_defaults_to_seven_days_after_the_response(loop):
    db, _ = loop
    assert _row(db, "R1")["due"] == "2026-10-08"  # 2026-10-01 + 7


def test_due_date_uses_the_owners_sla_days(loop):
    db, _ = loop
    _departments(db, ("Claims", 2, []), ("Underwriting", None, []))
    assert _row(db, "R1")["due"] == "2026-10-03"  # 2026-10-01 + 2
    assert _row(db, "R2")["due"] == "2026-10-17"  # no SLA set: 7 days


def test_a_saved_followup_stores_the_sla_due_date(loop):
    db, _ = loop
    _departments(db, ("Claims", 3, []))
    followups.save_followups(db, [{"survey_id": _sid(db, "R5"), "status": "contacted"}])
    assert db["followups"].get(1)["due_at"] == "2026-11-03"  # 2026-10-31 18:30 → day + 3


def test_overdue_is_not_resolved_and_due_before_today(loop):
    db, _ = loop
    frame = followups.followup_list(db, overdue=True, today=TODAY)
    assert sorted(frame["response_id"]) == ["R1", "R4"]


def test_a_followup_due_today_is_not_overdue(loop):
    db, _ = loop
    frame = followups.followup_list(db, overdue=True, today="2026-10-08")
    assert list(frame["response_id"]) == ["R4"]  # R1 is due 2026-10-08 itself


def test_a_resolved_followup_is_never_overdue(loop):
    db, _ = loop
    followups.save_followups(db, [{"survey_id": _sid(db, "R1"), "status": "resolved"}])
    frame = followups.followup_list(db, overdue=True, today=TODAY)
    assert list(frame["response_id"]) == ["R4"]


def test_overdue_counts_against_the_wall_clock_by_default(loop, monkeypatch):
    db, _ = loop
    monkeypatch.setattr(followups, "utc_now_text", lambda: "2026-10-09 23:00:00")
    frame = followups.followup_list(db, overdue=True)
    assert sorted(frame["response_id"]) == ["R1", "R4"]


# --- filters ---------------------------------------------------------------------------------


def test_list_filters_by_owner_regardless_of_case(loop):
    db, _ = loop
    frame = followups.followup_list(db, owner="claims", today=TODAY)
    assert list(frame["response_id"]) == ["R5", "R1"]  # newest first; R3 is a promoter


def test_list_filters_by_assignee_and_blank_means_unassigned(loop):
    db, _ = loop
    followups.save_followups(db, [{"survey_id": _sid(db, "R2"), "assignee": "  Ann Lee "}])
    assert list(followups.followup_list(db, assignee="ann lee")["response_id"]) == ["R2"]
    assert "R2" not in set(followups.followup_list(db, assignee="")["response_id"])


def test_list_filters_by_status(loop):
    db, _ = loop
    followups.save_followups(db, [{"survey_id": _sid(db, "R4"), "status": "contacted"}])
    assert list(followups.followup_list(db, status="contacted")["response_id"]) == ["R4"]


def test_list_refuses_an_unknown_status_filter(loop):
    db, _ = loop
    with pytest.raises(followups.InputError, match="must be one of open, contacted, resolved"):
        followups.followup_list(db, status="closed")


def test_list_window_is_days_before_the_latest_response(loop):
    db, _ = loop
    # latest response 2026-10-31: 30 days back is 2026-10-01, so R4 (09-15) is left out
    assert "R4" not in set(followups.followup_list(db, days=30)["response_id"])
    assert "R4" in set(followups.followup_list(db, days=None)["response_id"])


# --- saving ----------------------------------------------------------------------------------


def test_save_keeps_what_a_change_leaves_out(loop):
    db, _ = loop
    sid = _sid(db, "R2")
    followups.save_followups(db, [{"survey_id": sid, "assignee": "ann", "note": "called"}])
    followups.save_followups(db, [{"survey_id": sid, "status": "contacted"}])
    row = _row(db, "R2")
    assert (row["assignee"], row["note"], row["status"]) == ("ann", "called", "contacted")


def test_save_stores_an_explicit_due_date(loop):
    db, _ = loop
    followups.save_followups(db, [{"survey_id": _sid(db, "R1"), "due": "2026-12-24"}])
    assert _row(db, "R1")["due"] == "2026-12-24"


def test_a_new_owner_gets_its_own_sla_due_date(loop):
    db, _ = loop
    _departments(db, ("Claims", None, []), ("Underwriting", 1, []))
    shown = followups.followup_list(db, owner="Claims", today=TODAY).iloc[-1].to_dict()  # R1
    followups.save_followups(db, [shown | {"owner_department": "Underwriting"}])
    assert _row(db, "R1")["due"] == "2026-10-02"  # the shown 10-08 was Claims' 7 days


def test_save_report_lists_a_bad_status_and_saves_the_rest(loop):
    db, _ = loop
    report = followups.save_followups(
        db,
        [
            {"survey_id": _sid(db, "R1"), "status": "done"},
            {"survey_id": _sid(db, "R2"), "status": "contacted"},
        ],
    )
    assert report.saved == 1
    assert report.problems == [("R1", "status 'done' must be one of open, contacted, resolved")]
    assert _row(db, "R1")["status"] == "open"


@pytest.mark.parametrize("due", ["2026-02-30", "next week", "2026-1-5"])
def test_save_report_names_a_due_date_that_is_not_a_date(loop, due):
    db, _ = loop
    report = followups.save_followups(db, [{"survey_id": _sid(db, "R1"), "due": due}])
    assert report.saved == 0
    assert report.problems == [("R1", f"due date '{due}' is not a date like 2026-11-07")]


def test_save_report_names_an_unknown_owner(loop):
    db, _ = loop
    _departments(db, ("Claims", None, []))
    report = followups.save_followups(
        db, [{"survey_id": _sid(db, "R1"), "owner_department": "Marketing"}]
    )
    assert report.problems == [
        ("R1", "owner 'Marketing' is not a known department (known: Claims)")
    ]


def test_an_owner_seen_in_the_survey_is_known(loop):
    db, _ = loop
    _departments(db, ("Claims", None, []))
    report = followups.save_followups(
        db, [{"survey_id": _sid(db, "R1"), "owner_department": "Underwriting"}]
    )
    assert (report.saved, report.problems) == (1, [])


def test_an_alias_is_stored_as_the_departments_name(loop):
    db, _ = loop
    _departments(db, ("Customer Service", None, ["CS"]))
    followups.save_followups(db, [{"survey_id": _sid(db, "R1"), "owner_department": "cs"}])
    assert _row(db, "R1")["owner_department"] == "Customer Service"


def test_any_owner_is_accepted_while_no_departments_are_listed(loop):
    db, _ = loop
    report = followups.save_followups(
        db, [{"survey_id": _sid(db, "R1"), "owner_department": "Legal"}]
    )
    assert report.saved == 1 and _row(db, "R1")["owner_department"] == "Legal"


def test_save_report_names_a_promoter_and_a_missing_row(loop):
    db, _ = loop
    promoter = followups.app_tables.survey_rows_with_response_id(db, "R3")[0]["id"]
    report = followups.save_followups(db, [{"survey_id": promoter}, {"survey_id": 999}])
    assert report.problems == [
        ("R3", "scored 9: only detractors (0–6) are followed up"),
        ("999", "the survey response no longer exists"),
    ]


def test_resolving_stamps_closed_at_and_reopening_clears_it(loop):
    db, _ = loop
    sid = _sid(db, "R1")
    followups.save_followups(
        db, [{"survey_id": sid, "status": "resolved"}], now="2026-10-05 09:00:00"
    )
    assert _row(db, "R1")["closed_at"] == "2026-10-05 09:00:00"
    followups.save_followups(db, [{"survey_id": sid, "status": "open"}], now="2026-10-06 09:00:00")
    assert _row(db, "R1")["closed_at"] is None


def test_saving_a_resolved_followup_again_keeps_its_closed_at(loop):
    db, _ = loop
    sid = _sid(db, "R1")
    followups.save_followups(
        db, [{"survey_id": sid, "status": "resolved"}], now="2026-10-05 09:00:00"
    )
    followups.save_followups(db, [{"survey_id": sid, "note": "sent a voucher"}], now="2026-10-09")
    assert _row(db, "R1")["closed_at"] == "2026-10-05 09:00:00"


def test_save_stamps_updated_at(loop):
    db, _ = loop
    followups.save_followups(db, [{"survey_id": _sid(db, "R1")}], now="2026-10-05 09:00:00")
    assert db["followups"].get(1)["updated_at"] == "2026-10-05 09:00:00"


# --- counts ----------------------------------------------------------------------------------


def test_stats_count_overdue_on_the_given_day(loop):
    db, _ = loop
    stats = followups.followup_stats(db, "2026-10", today=TODAY)
    assert (stats["open"], stats["overdue"]) == (4, 2)  # R1, R2, R4, R5 open; R1, R4 overdue


def test_stats_date_resolutions_by_closed_at_and_say_so(loop):
    db, _ = loop
    # R4 responded in September and is closed in October; R1 responded in October, closed
    # in November: October has 1 closed (R4) and 1 of its 3 detractors resolved (R1).
    followups.save_followups(
        db, [{"survey_id": _sid(db, "R4"), "status": "resolved"}], now="2026-10-02 10:00:00"
    )
    followups.save_followups(
        db, [{"survey_id": _sid(db, "R1"), "status": "resolved"}], now="2026-11-02 10:00:00"
    )
    stats = followups.followup_stats(db, "2026-10", today=TODAY)
    assert stats["resolved_clock"] == "closed_at"
    assert (stats["resolved_in_month"], stats["detractors_in_month"]) == (1, 3)
    assert stats["detractors_resolved"] == 1


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli(capsys):
    def run(*args, db):
        code = main(["followups", *args, "--db", str(db)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_statuses_are_the_librarys():
    assert followups_cli.STATUSES == followups.STATUSES


def test_cli_json_counts_and_lists_the_items(loop, cli):
    _, path = loop
    code, out, _ = cli("--json", "--today", TODAY, db=path)
    result = json.loads(out)
    assert code == 0 and (result["open"], result["overdue"]) == (4, 2)
    assert [i["response_id"] for i in result["items"]] == ["R5", "R2", "R1", "R4"]
    assert set(result["items"][0]) >= {
        "response_id", "responded_at", "score", "owner", "assignee", "status", "due",
        "closed_at", "note",
    }  # fmt: skip


def test_cli_json_masks_notes_and_comments(loop, cli):
    db, path = loop
    note = "rang jane.doe@example.com"
    followups.save_followups(db, [{"survey_id": _sid(db, "R1"), "note": note}])
    (item,) = json.loads(
        cli("--json", "--owner", "Claims", "--overdue", "--today", TODAY, db=path)[1]
    )["items"]
    assert (item["note"], item["comment"]) == ("rang [e-mail]", "Call me at [e-mail]")


def test_cli_unmask_shows_notes_as_written(loop, cli):
    db, path = loop
    followups.save_followups(db, [{"survey_id": _sid(db, "R1"), "note": "rang jane@example.com"}])
    items = json.loads(cli("--json", "--unmask", db=path)[1])["items"]
    assert "rang jane@example.com" in [i["note"] for i in items]


def test_cli_set_round_trip(loop, cli):
    _, path = loop
    code, out, _ = cli(
        "--set", "R2", "--status", "contacted", "--assignee", "Ann", "--due", "2026-10-30",
        "--note", "left a message", "--json", db=path,
    )  # fmt: skip
    assert code == 0
    (item,) = json.loads(cli("--json", "--assignee", "ann", db=path)[1])["items"]
    assert (item["response_id"], item["status"], item["due"], item["note"]) == (
        "R2", "contacted", "2026-10-30", "left a message",
    )  # fmt: skip


def test_cli_set_creates_a_followup_with_the_sla_due_date(loop, cli):
    db, path = loop
    saved = json.loads(cli("--set", "R5", "--json", db=path)[1])["saved"]
    assert (saved["status"], saved["due"]) == ("open", "2026-11-07")
    assert db["followups"].count == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "NOPE"], "No survey response has the id 'NOPE'"),
        (["--set", "R3"], "scored 9: only detractors"),
        (["--set", "R1", "--due", "31/10/2026"], "is not a date like"),
        (["--note", "x"], "give --set RESPONSE_ID"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(loop, cli, args, message):
    _, path = loop
    code, out, err = cli(*args, db=path)
    assert code == 2 and message in err and out == ""


def test_cli_refuses_a_database_that_does_not_exist(tmp_path, cli):
    code, _, err = cli(db=tmp_path / "typo.db")
    assert code == 2 and "No database at" in err
    assert not (tmp_path / "typo.db").exists()


def test_cli_table_marks_the_overdue(loop, cli):
    _, path = loop
    code, out, _ = cli("--today", TODAY, db=path)
    assert code == 0 and "4 open, 2 overdue as of 2026-10-12 (UTC)" in out
    (r1,) = [line for line in out.splitlines() if line.startswith("R1 ")]
    assert "2026-10-08 overdue" in r1


# --- the briefing ----------------------------------------------------------------------------


def _briefing(**fields):
    from cxdata import brief

    return brief.Briefing(
        month="2026-10", n=400, nps=10.0, ci_low=None, ci_high=None, previous=None,
        last_year=None, **fields,
    )  # fmt: skip


def test_briefing_line_names_the_clock_and_the_overdue():
    from cxdata import brief

    b = _briefing(problems_closed=12, overdue=3, detractors=41, detractors_resolved=9)
    assert brief.action_lines(b)[-1] == (
        "Problems closed in October 2026 (by the date they were closed): 12 follow-ups; "
        "3 overdue today; 41 detractors this month, 9 of them resolved so far."
    )


def test_briefing_facts_carry_the_followups_and_their_clock():
    from cxdata import brief

    b = _briefing(problems_closed=12, overdue=3, open_followups=20, detractors=41)
    facts = brief.facts(b)
    assert facts["followups"] == {
        "closed_in_month": 12,
        "clock": "closed_at",
        "overdue": 3,
        "open": 20,
        "detractors_resolved": 0,
    }
    assert (facts["problems_closed"], facts["detractors"]) == (12, 41)


def test_briefing_counts_overdue_as_of_the_wall_clock(loop, monkeypatch):
    import numpy as np

    from cxdata import brief

    db, _ = loop
    monkeypatch.setattr(followups, "utc_now_text", lambda: f"{TODAY} 08:00:00")
    followups.save_followups(db, [{"survey_id": _sid(db, "R4"), "status": "resolved"}])
    b = brief.briefing(db, "2026-10", rng=np.random.default_rng(0))
    # open on 2026-10-12: R1, R2, R5; overdue: R1 only (R4, due 09-22, is resolved)
    assert (b.open_followups, b.overdue) == (3, 1)
    # R4 was closed "today", in October, though it responded in September
    assert (b.problems_closed, b.detractors, b.detractors_resolved) == (1, 3, 0)


def test_list_owner_filter_takes_an_alias(loop):
    db, _ = loop
    _departments(db, ("Claims", None, ["CL"]))
    assert list(followups.followup_list(db, owner="cl")["response_id"]) == ["R5", "R1"]


def test_counts_of_every_detractor_when_no_window_is_asked(loop):
    db, _ = loop
    counts = followups.followup_counts(db, days=None, today=TODAY)
    assert counts == {"open": 4, "contacted": 0, "overdue": 2}
