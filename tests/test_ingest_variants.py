"""Exports of tools nobody on the project wrote, imported as a user would (issue 19).

Each file is built here with the traits of one tool's export (layout, encoding, delimiter,
header names, date format); the answers in them are made up. Each is imported through the
command line with no ``--map``, and its mapping, rows stored and NPS are checked against a
reading of the same file with pandas written out by hand in the test (not the importer's code).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCORES = [10, 9, 3, 8, 10, 6, 7, 9, 0, 10, 4, 9, 8, 10, 2, 9, 5, 10, 9, 7]
REASONS = [
    "The agent sorted my problem in one call, very kind",
    "Waited far too long on hold before anyone answered",
    "Billing was wrong for the third month in a row",
    "Quick delivery and the box arrived in perfect shape",
    "Nobody called me back although they promised twice",
    "Great app, paying the bill takes a few seconds now",
    "The technician came on time and explained everything",
]
CHANNELS = ["Phone", "Chat", "Email", "Store"]


def nps_by_hand(scores: pd.Series) -> float:
    """Promoters (9–10) minus detractors (0–6), in % of the scored answers."""
    s = pd.to_numeric(scores, errors="coerce").dropna()
    return round(100 * ((s >= 9).sum() - (s <= 6).sum()) / len(s), 4)


def cli_import(path: Path, kind: str, db: Path, *extra: str) -> dict:
    """``python -m cxdata import FILE --kind KIND --db DB --json``, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "cxdata", "import", str(path), "--kind", kind, "--db", str(db)]
        + ["--json", *extra],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cli_nps(db: Path) -> float:
    """The overall NPS ``python -m cxdata nps --db DB --json`` reports."""
    done = subprocess.run(
        [sys.executable, "-m", "cxdata", "nps", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["overall"]["nps"]


def stored(db: Path, table: str) -> pd.DataFrame:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return pd.read_sql_query(f'SELECT * FROM "{table}"', conn)


# --- the files ---------------------------------------------------------------------------------


def surveymonkey_european(path: Path) -> Path:
    """SurveyMonkey CSV as a European Excel saves it: cp1252, ';', decimal commas, two header
    rows (question text; Response / answer options / Open-Ended Response), d/m/Y times."""
    head1 = [
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
        "Email Address", "First Name", "Last Name", "Custom Data 1",
        "Quelle est la probabilité que vous recommandiez Café Crème à un ami ou un collègue ?",
        "Which channel did you use?", "", "", "",
        "Temps d'attente (minutes)", "Anything else you would like to tell us?",
    ]  # fmt: skip
    head2 = ["", "", "", "", "", "", "", "", "", "Response", "Phone", "Chat", "Email",
             "Other (please specify)", "Response", "Open-Ended Response"]  # fmt: skip
    lines = [";".join(head1), ";".join(head2)]
    for i, score in enumerate(SCORES):
        channel = ["", "", "", ""]
        channel[i % 4] = CHANNELS[i % 4] if i % 4 < 3 else "Boutique à Montréal"
        comment = ["Très bien, merci — à bientôt", "Ça marche, 5 € de remise", "", "Trop lent"][
            i % 4
        ]
        row = [
            str(11422780000 + i), "431234567", f"{13 + i % 15:02d}/10/2026 09:{i:02d}:22",
            f"{13 + i % 15:02d}/10/2026 09:{i + 2:02d}:01", f"198.51.100.{i}", "", "", "", "",
            str(score), *channel, f"{i % 7},{i % 10}", comment,
        ]  # fmt: skip
        lines.append(";".join(row))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def typeform(path: Path) -> Path:
    """Typeform's CSV: '#' token column, question texts as headers, 'Start Date (UTC)',
    'Submit Date (UTC)', 'Network ID'."""
    header = [
        "#", "How likely are you to recommend us to a friend?",
        "What's the main reason for your score?", "Which channel did you use?",
        "Start Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags",
    ]  # fmt: skip
    rows = []
    for i, score in enumerate(SCORES):
        rows.append(
            [
                f"{i:04x}9kq2m7z8v1b3n5x0w{i:02d}",
                str(score),
                REASONS[i % len(REASONS)] + f" ({i})",
                CHANNELS[i % 4],
                f"2026-11-{1 + i % 28:02d} 08:{i:02d}:10",
                f"2026-11-{1 + i % 28:02d} 08:{i + 3:02d}:41",
                f"{(i * 7919) % 99991:05d}ab{i % 3}",
                "",
            ]
        )
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def zendesk_tickets(path: Path) -> Path:
    """Zendesk's ticket export: Id, Subject, Requester, Group, Via, Created at, Satisfaction
    Score (Offered / Good / Bad / Not Offered)."""
    header = [
        "Id", "Subject", "Status", "Requester", "Requester id", "Group", "Assignee", "Via",
        "Created at", "Updated at", "Satisfaction Score", "Tags",
    ]  # fmt: skip
    csat = ["Good", "Bad", "Offered", "Not Offered", "Good"]
    rows = []
    for i in range(25):
        rows.append(
            [
                str(1040 + i),
                f"Question about invoice {i}",
                ["open", "solved", "closed", "pending"][i % 4],
                f"Customer {i % 9}",
                str(36120000 + i % 9),
                ["Billing", "Support", "Field Service"][i % 3],
                f"Agent {i % 4}",
                ["Mail", "Web Form", "Phone call (incoming)", "Chat"][i % 4],
                f"2026-10-{1 + i:02d} 1{i % 10}:05",
                f"2026-10-{2 + i:02d} 1{i % 10}:45",
                csat[i % len(csat)],
                "billing vip" if i % 5 == 0 else "",
            ]
        )
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def qualtrics_legacy(path: Path) -> Path:
    """Qualtrics CSV: three header rows (ids; question text; ImportId JSON), Q1 the NPS question
    beside Q1_NPS_GROUP, Status with a preview, StartDate as '2026-11-03 09:12:00'."""
    ids = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Finished",
           "RecordedDate", "ResponseId", "Q1", "Q1_NPS_GROUP", "Q2", "Q3"]  # fmt: skip
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Finished",
             "Recorded Date", "Response ID",
             "On a scale from 0-10, how likely are you to recommend Nordwind Energie to a friend?",
             "On a scale from 0-10, how likely are you to recommend Nordwind Energie to a "
             "friend? - Group",
             "Why did you give that score?", "Which region are you in?"]  # fmt: skip
    imports = [json.dumps({"ImportId": x}) for x in ids]
    rows = [ids, texts, imports]
    for i, score in enumerate(SCORES):
        group = "Promoter" if score >= 9 else ("Passive" if score >= 7 else "Detractor")
        status = "Survey Preview" if i == 4 else "IP Address"
        stamp = f"2026-11-{3 + i % 20:02d} 09:{i:02d}:00"
        rows.append([stamp, stamp.replace(":00", ":30"), status, f"203.0.113.{i}", "100",
                     "True", stamp, f"R_{i:02d}aZ3kLmQp8xYw", str(score), group,
                     f"{REASONS[i % len(REASONS)]}, said customer {i}",
                     ["North", "South", "East"][i % 3]])  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False, header=False)
    return path


def month_name_dates(path: Path) -> Path:
    """Dates written with month names, two ways in one column: '03-Nov-2026', 'Nov 3, 2026'."""
    rows = []
    for i, score in enumerate(SCORES):
        d = 1 + i % 28
        written = f"{d:02d}-Nov-2026" if i % 2 else f"Nov {d}, 2026"
        rows.append([written, score, REASONS[i % len(REASONS)]])
    pd.DataFrame(rows, columns=["Survey date", "NPS", "Comment"]).to_csv(path, index=False)
    return path


def utf16_tab(path: Path) -> Path:
    """Excel's 'Unicode text': UTF-16 LE with BOM, tab-separated, CRLF."""
    lines = ["Datum\tWie wahrscheinlich ist es, dass Sie uns weiterempfehlen?\tKanal\tKommentar"]
    for i, score in enumerate(SCORES):
        lines.append(
            f"{1 + i % 28:02d}.11.2026\t{score}\t{['Telefon', 'Chat', 'E-Mail'][i % 3]}\t"
            f"Grüße aus Köln, Nummer {i}: {REASONS[i % len(REASONS)]}"
        )
    path.write_bytes("\r\n".join(lines).encode("utf-16"))  # the BOM, little-endian here
    return path


VARIANTS = {
    "surveymonkey_cp1252_semicolon.csv": surveymonkey_european,
    "typeform_export.csv": typeform,
    "zendesk_tickets.csv": zendesk_tickets,
    "qualtrics_legacy.csv": qualtrics_legacy,
    "month_name_dates.csv": month_name_dates,
    "utf16_unicode_text.txt": utf16_tab,
}


# --- the imports -------------------------------------------------------------------------------


@pytest.fixture
def built(tmp_path):
    def build(name: str) -> tuple[Path, Path]:
        return VARIANTS[name](tmp_path / name), tmp_path / "cx.db"

    return build


def test_surveymonkey_cp1252_semicolon_export(built):
    path, db = built("surveymonkey_cp1252_semicolon.csv")
    result = cli_import(path, "survey", db)
    score = "Quelle est la probabilité que vous recommandiez Café Crème à un ami ou un collègue ?"
    assert result["mapping"] == {
        "response_id": "Respondent ID",
        "responded_at": "End Date",
        "score": score,
        "comment": "Anything else you would like to tell us?",
    }
    by_hand = pd.read_csv(path, sep=";", encoding="cp1252", skiprows=[1], dtype=str)
    rows = stored(db, "survey")
    assert (result["accepted"], result["rejected"], len(rows)) == (len(by_hand), 0, 20)
    assert cli_nps(db) == pytest.approx(nps_by_hand(by_hand[score]), abs=0.01)
    # Decimal commas read as numbers; accents read from cp1252; the day-first times.
    waits = pd.to_numeric(by_hand["Temps d'attente (minutes)"].str.replace(",", "."))
    assert rows["temps_d_attente_minutes"].tolist() == waits.tolist()
    assert "Très bien, merci — à bientôt" in rows["comment"].tolist()
    assert rows["responded_at"].iloc[0] == "2026-10-13 09:02:01"


def test_typeform_export(built):
    path, db = built("typeform_export.csv")
    result = cli_import(path, "survey", db)
    assert result["mapping"] == {
        "response_id": "#",
        "responded_at": "Submit Date (UTC)",
        "score": "How likely are you to recommend us to a friend?",
        "comment": "What's the main reason for your score?",
    }
    by_hand = pd.read_csv(path, dtype=str)
    rows = stored(db, "survey")
    assert (result["accepted"], len(rows)) == (20, 20)
    assert sorted(rows["response_id"]) == sorted(by_hand["#"])
    by_hand_nps = nps_by_hand(by_hand["How likely are you to recommend us to a friend?"])
    assert cli_nps(db) == pytest.approx(by_hand_nps, abs=0.01)
    assert sorted(rows["responded_at"]) == sorted(by_hand["Submit Date (UTC)"])


def test_zendesk_ticket_export_as_interactions(built):
    path, db = built("zendesk_tickets.csv")
    result = cli_import(path, "transactional", db)
    assert result["mapping"] == {
        "interaction_id": "Id",
        "occurred_at": "Created at",
        "customer_id": "Requester id",
        "channel": "Via",
        "department": "Group",
    }
    by_hand = pd.read_csv(path, dtype=str)
    rows = stored(db, "transactional")
    assert (result["accepted"], result["rejected"], len(rows)) == (25, 0, len(by_hand))
    # The satisfaction rating is kept as a column to slice by, words as written.
    assert rows["satisfaction_score"].value_counts().to_dict() == (
        by_hand["Satisfaction Score"].value_counts().to_dict()
    )
    assert rows["occurred_at"].iloc[0] == "2026-10-01 10:05:00"


def test_qualtrics_export_with_three_header_rows(built):
    path, db = built("qualtrics_legacy.csv")
    result = cli_import(path, "survey", db)
    assert result["mapping"] == {
        "response_id": "ResponseId",
        "responded_at": "RecordedDate",
        "score": "Q1",
        "comment": "Q2",
    }
    by_hand = pd.read_csv(path, skiprows=[1, 2], dtype=str)
    real = by_hand[by_hand["Status"] != "Survey Preview"]
    rows = stored(db, "survey")
    assert (result["accepted"], len(rows)) == (len(real), 19)
    assert cli_nps(db) == pytest.approx(nps_by_hand(real["Q1"]), abs=0.01)
    assert sorted(rows["responded_at"]) == sorted(real["RecordedDate"])
    assert "q1_nps_group" in rows.columns


def test_dates_with_month_names(built):
    path, db = built("month_name_dates.csv")
    result = cli_import(path, "survey", db)
    assert result["mapping"] == {
        "responded_at": "Survey date",
        "score": "NPS",
        "comment": "Comment",
    }
    by_hand = pd.read_csv(path, dtype=str)
    expected = sorted(pd.to_datetime(by_hand["Survey date"], format="mixed").dt.strftime("%F"))
    rows = stored(db, "survey")
    assert (result["accepted"], result["rejected"]) == (20, 0)
    assert sorted(rows["responded_at"]) == expected
    assert cli_nps(db) == pytest.approx(nps_by_hand(by_hand["NPS"]), abs=0.01)


def test_utf16_unicode_text_export(built):
    path, db = built("utf16_unicode_text.txt")
    result = cli_import(path, "survey", db)
    score = "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?"
    assert result["mapping"] == {
        "responded_at": "Datum",
        "score": score,
        "channel": "Kanal",
        "comment": "Kommentar",
    }
    by_hand = pd.read_csv(path, sep="\t", encoding="utf-16", dtype=str)
    rows = stored(db, "survey")
    assert (result["accepted"], len(rows)) == (20, 20)
    assert cli_nps(db) == pytest.approx(nps_by_hand(by_hand[score]), abs=0.01)
    assert rows["comment"].iloc[0].startswith("Grüße aus Köln")
    expected = pd.to_datetime(by_hand["Datum"], format="%d.%m.%Y").dt.strftime("%F")
    assert sorted(rows["responded_at"]) == sorted(expected)
