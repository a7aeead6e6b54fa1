"""The briefing: its numbers, the sentence read out in the meeting, and the HTML export."""

import re

import numpy as np
import pytest

from cxdata import brief, ingest, milestones, nps, store
from cxdata import forecast as fc


def rng() -> np.random.Generator:
    return np.random.default_rng(milestones.SEED)


def make(nps=3.0, n=412, ci=(-5.0, 11.0), prev=None, year=None, status=None):
    b = brief.Briefing(
        month="2026-10",
        n=n,
        nps=nps,
        ci_low=ci[0],
        ci_high=ci[1],
        previous=prev,
        last_year=year,
    )
    if status:
        b.goal = milestones.Goal(baseline=-14, lift=15, start_month="2024-11")
        b.status = fc.GoalStatus(
            month="2026-10",
            rolling_nps=1.2,
            ci_low=-4,
            ci_high=6,
            n=1200,
            months_with_data=3,
            milestone=0.1,
            status=status,
            held=2,
        )
    return b


def comparison(change, p, needed=None):
    return brief.Comparison("September 2026", 3.0 - change, 400, change, p, needed=needed)


@pytest.mark.parametrize(
    "change, p, words",
    [
        (5.0, 0.21, "up 5 points on September 2026 — within normal month-to-month noise."),
        (12.0, 0.01, "up 12 points on September 2026 — a real change (95 % confidence)."),
        (-7.0, 0.30, "down 7 points on September 2026 — within normal month-to-month noise."),
        (-1.0, 0.90, "down 1 point on September 2026 — within normal month-to-month noise."),
        (-15.0, 0.001, "down 15 points on September 2026 — a real change (95 % confidence)."),
        (0.2, 0.97, "level with September 2026 — within normal month-to-month noise."),
    ],
)
def test_sentence_up_down_flat_real_or_noise_in_plain_words(change, p, words):
    text = brief.sentence(make(prev=comparison(change, p)))
    assert text == "NPS was +3 in October 2026 (412 responses), " + words


def test_the_statistics_are_in_the_cards_tooltips_not_the_sentence():
    b = make(prev=comparison(5.0, 0.21, needed=15.3))
    text = brief.sentence(b)
    assert "p =" not in text and "n =" not in text and "±" not in text
    nps_card, change_card = brief.cards(b)[:2]
    assert nps_card.caption == "412 responses · give or take 8"
    assert "95 % interval -5 to +11" in nps_card.help
    assert change_card.caption == "within normal month-to-month noise"
    assert change_card.help == (
        "p = 0.21 (two-sample test of the NPS difference); a change of ±15 points is needed "
        "at this volume"
    )


def test_a_margin_under_half_a_point_is_not_given_as_zero():
    # 424,000 responses: 95 % interval about ±0.3 points. "give or take 0" would read as
    # exact, and "+8 to +8" as no interval at all; 0.5 rounds to 0 (to even) in Python.
    nps_card = brief.cards(make(nps=8.0, n=424_367, ci=(7.7, 8.3)))[0]
    assert nps_card.caption == "424,367 responses · give or take 0.3"
    assert "95 % interval +7.7 to +8.3" in nps_card.help
    assert brief.cards(make(n=9_000, ci=(2.4, 3.6)))[0].caption.endswith("give or take 1")
    assert brief.cards(make(n=40_000, ci=(2.5, 3.5)))[0].caption.endswith("give or take 0.5")
    assert brief.cards(make(n=5_000, ci=(2.0, 4.0)))[0].caption.endswith("give or take 1")


def test_sentence_names_the_goal_status_in_words_that_say_what_it_means():
    assert brief.sentence(make(status="on track")).endswith(
        "the 3-month NPS is within noise of the path to the +1 goal."
    )
    assert "is behind the path to the +1 goal" in brief.sentence(make(status="behind"))
    assert "is ahead of the path to the +1 goal" in brief.sentence(make(status="ahead"))
    three_month, goal = brief.cards(make(status="on track"))[2:4]
    assert goal.value == "Within noise"
    assert three_month.caption == "plan for this month +0" and "milestone" in three_month.help


def test_sentence_warns_about_low_n_and_hidden_months():
    assert "few, read with care" in brief.sentence(make(n=25, ci=(-40, 30)))
    hidden = make(nps=None, n=3, ci=(None, None))
    assert brief.sentence(hidden) == "Only 3 responses in October 2026: too few to state an NPS."


def test_latest_complete_month(sample_db):
    assert brief.latest_complete_month(sample_db) == "2026-10"  # data runs to 31 October


def test_sample_briefing_numbers(sample_db):
    b = brief.briefing(sample_db, rng=rng())
    assert b.month == "2026-10" and b.n > 300
    assert b.previous.label == "September 2026" and b.last_year.label == "October 2025"
    assert b.status.status in milestones.STATUSES and b.status.month == "2026-10"
    assert b.forecast.from_month == "2026-10"
    assert b.maturity["stage"] == 3 and b.maturity["weakest"] == "Metrics & ROI"
    assert all(m["n"] >= 30 and m["q_value"] < 0.05 for m in b.movers)
    assert b.movers_tested > 10
    assert {q["band"] for q in b.quotes} == {"promoter", "detractor"}


def test_html_brief_is_standalone_and_escapes_text(sample_db):
    b = brief.briefing(sample_db, rng=rng())
    b.quotes = [{"band": "detractor", "score": 1, "comment": "<script>alert(1)</script> bad"}]
    html = brief.render_html(b, images={"trend": b"\x89PNG fake"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not re.search(r"(src|href)=['\"]https?:", html)
    assert "data:image/png;base64," in html
    assert brief.sentence(b).replace("'", "&#x27;") in html


def test_unknown_month_is_refused_with_the_range(sample_db):
    with pytest.raises(Exception, match="No responses in 2019-01"):
        brief.briefing(sample_db, "2019-01", rng=rng())


def test_a_segment_holding_every_response_is_not_a_mover(db, write_csv):
    """Channel left blank everywhere: "(none)" is the whole month and only repeats the headline."""
    rows = ["id,date,score,channel,region"]
    for month, north in (("2026-09", 3), ("2026-10", 10)):
        for i in range(100):
            rows.append(f"N{month}{i},{month}-15,{north},,North")
            rows.append(f"S{month}{i},{month}-15,9,,South")
    ingest.import_file(db, write_csv("blank_channel.csv", "\n".join(rows) + "\n"), "survey")
    b = brief.briefing(db, "2026-10", rng=rng())
    assert [(m["column"], m["segment"]) for m in b.movers] == [("region", "North")]


def test_movers_are_held_to_a_false_discovery_rate(sample_db):
    """Scores shuffled across responses: nothing really moved, so at most about one briefing
    in twenty may list a mover (the issue's bar: at most 2 of the last 12 months)."""
    from cxdata.store import counts

    ids, scores = zip(*sample_db.execute("SELECT id, score FROM survey ORDER BY id").fetchall())
    shuffled = np.random.default_rng(17).permutation(np.array(scores))
    with store.transaction(sample_db) as conn:
        conn.executemany(
            "UPDATE survey SET score = ? WHERE id = ?",
            zip(shuffled.tolist(), ids),
        )
        counts.rebuild(conn)
    months = sorted(brief.months_with_responses(sample_db))[-12:]
    briefings = [brief.briefing(sample_db, m, rng=rng()) for m in months]
    assert sum(b.movers_tested for b in briefings) > 150  # ~20 segment tests a month
    assert sum(bool(b.movers) for b in briefings) <= 2


def test_a_mover_carries_its_q_value_and_the_count_of_tests(db, write_csv):
    rows = ["id,date,score,region"]
    for month, north in (("2026-09", 3), ("2026-10", 10)):
        for i in range(60):
            rows.append(f"N{month}{i},{month}-15,{north},North")
            rows.append(f"S{month}{i},{month}-15,{8 if i % 2 else 9},South")
    ingest.import_file(db, write_csv("two_regions.csv", "\n".join(rows) + "\n"), "survey")
    b = brief.briefing(db, "2026-10", rng=rng())
    assert b.movers_tested == 2  # North and South; channel etc. are blank for every row
    (north,) = b.movers
    assert north["segment"] == "North" and north["q_value"] < 0.05
    assert brief.mover_line(north) == "▲ North region: NPS +100, up 200 points (60 responses)"
    assert "q = " in brief.mover_detail(north)
    assert brief.movers_heading(b).startswith("2 segments tested")


def test_spend_is_as_of_the_briefing_month(sample_db):
    """The sample's fixes (cxdata/data/sample_initiatives.csv): none started by December 2024;
    by March 2025 the executive CX review (5,000, Jan), the billing fix (120,000, Feb) and
    password reset (25,000, Mar) — the in-progress fixes starting 2025-09 and 2026-01 are not
    counted before their start, and the dropped chatbot never is."""
    assert brief.briefing(sample_db, "2024-12", rng=rng()).spend == 0
    assert brief.briefing(sample_db, "2025-03", rng=rng()).spend == 150_000
    may = brief.briefing(sample_db, "2025-05", rng=rng())
    assert [s["name"] for s in may.shipped] == ["First-call billing fix"]


def test_brief_json_prints_the_facts_it_renders(sample_file, tmp_path, capsys):
    import json

    from cxdata.cli import main

    out = tmp_path / "brief.html"
    assert (
        main(["brief", "--month", "2026-10", "--out", str(out), "--json", "--db", str(sample_file)])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"month", "out", "sentence", "facts"} and result["month"] == "2026-10"
    facts = result["facts"]
    assert set(facts) >= {
        "nps", "n", "ci_low", "ci_high", "vs_previous", "vs_year_ago", "rolling", "forecast",
        "maturity", "spend", "fixes_shipped", "problems_closed", "movers", "quotes",
    }  # fmt: skip
    b = brief.briefing(store.connect(sample_file), "2026-10", rng=rng())
    assert result["sentence"] == brief.sentence(b)
    assert facts["n"] == b.n and facts["nps"] == round(b.nps, 2)
    assert facts["vs_previous"]["month"] == "September 2026"
    assert facts["vs_previous"]["detectable_change"] == round(b.previous.needed, 2)
    assert set(facts["rolling"]) >= {"nps", "n", "months", "milestone", "status"}
    assert facts["rolling"]["status"] == "within noise" and facts["rolling"]["months"] == 3
    assert facts["forecast"]["from_month"] == "2026-10"
    assert facts["forecast"]["p_goal_true"] == round(b.forecast.p_goal_true, 4)
    assert facts["spend"] == {
        "month": "2026-10",
        "to_date": b.spend,
        "expected_points": round(b.expected_points, 2),
        "points_per_100k": round(b.points_per_100k, 2),
    }
    assert facts["maturity"]["stage"] == 3
    for mover, shown in zip(facts["movers"], b.movers):
        assert set(mover) >= {"segment", "value", "nps", "change", "p_value", "q_value", "n"}
        assert (mover["segment"], mover["value"]) == (shown["column"], shown["segment"])
    # What the HTML shows, the JSON says: the sentence and every quote.
    page = out.read_text()
    assert all(q["comment"].replace("'", "&#x27;") in page for q in facts["quotes"])


def test_brief_facts_spend_as_of_december_2024_and_march_2025(sample_db):
    assert brief.facts(brief.briefing(sample_db, "2024-12", rng=rng()))["spend"]["to_date"] == 0
    march = brief.facts(brief.briefing(sample_db, "2025-03", rng=rng()))
    assert march["spend"] == {
        "month": "2025-03",
        "to_date": 150_000,
        "expected_points": march["spend"]["expected_points"],
        "points_per_100k": march["spend"]["points_per_100k"],
    }


def test_default_month_is_the_latest_complete_month_with_responses(db, write_csv):
    # Data stops on 1 January 2019 (one response) after a December with responses and an
    # empty November: the default is December 2018, the month before the last, not the month
    # before that (a start-of-month date once rolled back two months).
    rows = ["id,date,score"]
    rows += [f"A{i},2018-10-15,9" for i in range(40)]
    rows += [f"D{i},2018-12-10,7" for i in range(40)]
    rows += ["J1,2019-01-01,10"]
    ingest.import_file(db, write_csv("stops.csv", "\n".join(rows) + "\n"), "survey")
    assert brief.latest_complete_month(db) == "2018-12"
    rows[-41:] = ["J1,2019-01-01,10"]  # no December: the latest month with responses before
    other = store.connect(write_csv("x.db", b"").parent / "other.db")
    ingest.import_file(other, write_csv("gap.csv", "\n".join(rows) + "\n"), "survey")
    assert brief.latest_complete_month(other) == "2018-10"


def test_a_month_after_an_empty_month_says_there_is_nothing_to_compare_with():
    b = make()  # no previous comparison: September had no responses
    assert brief.sentence(b) == (
        "NPS was +3 in October 2026 (412 responses), with no responses in September 2026 to "
        "compare with."
    )
    assert brief.cards(b)[1] == brief.Card("vs September 2026", "–", "no responses that month")


def test_no_goal_saved_no_goal_briefed(db, write_csv):
    """Data but no saved goal: the defaults the Milestones page suggests are not read out as
    the organisation's goal (issue 20)."""
    rows = ["id,date,score"] + [
        f"R{m}{i},2026-{m:02d}-10,{i % 11}" for m in (7, 8, 9, 10) for i in range(80)
    ]
    ingest.import_file(db, write_csv("no_goal.csv", "\n".join(rows) + "\n"), "survey")
    b = brief.briefing(db, "2026-10", rng=rng())
    assert b.goal is None and b.status is None and b.forecast is None
    assert "goal" not in brief.sentence(b)
    goal_card = brief.cards(b)[3]
    assert (goal_card.value, goal_card.caption) == ("–", "No goal set yet — set one on Milestones.")
    # The 3-month NPS is still shown, as the chart's dashed line: August-October pooled
    # (240 responses: 42 promoters, 42 passives, 156 detractors -> -47.5), with its interval.
    rolling = brief.cards(b)[2]
    assert rolling.label == "3-month NPS" and rolling.value == "-48"
    assert rolling.caption == "240 responses over 3 months"
    low, high = nps.nps_interval(156, 42, 42)
    assert f"interval {low:+.0f} to {high:+.0f}" in rolling.help
    assert brief.facts(b)["rolling"] is None and brief.facts(b)["forecast"] is None
    milestones.save_goal(db, milestones.plan_settings(db).goal)
    assert brief.briefing(db, "2026-10", rng=rng()).status is not None


def test_spend_carries_the_organisations_currency(sample_db):
    b = brief.briefing(sample_db, rng=rng())
    assert b.currency == "€"
    assert any(line.startswith("Spent on fixes so far: €") for line in brief.action_lines(b))


def test_brief_chart_images_are_sixteen_by_nine(sample_db):
    import io

    from PIL import Image

    images = brief.chart_images(brief.briefing(sample_db, rng=rng()))
    assert {Image.open(io.BytesIO(png)).size for png in images.values()} == {(1600, 900)}


def test_the_briefing_carries_the_measured_effects_and_what_a_point_is_worth(sample_db):
    """Issue 22 on the sample: shipped fixes measured against their segments, the value of a
    point from the sample's outcomes, on the page's lines, in the HTML and in the facts."""
    b = brief.briefing(sample_db, rng=rng())
    lines = brief.action_lines(b)
    assert any(
        re.match(r"\d+ fixes shipped: [+-][\d.]+ measured vs [+-][\d.]+ planned", x) for x in lines
    )
    value = next(x for x in lines if x.startswith("A point of NPS is worth about €"))
    assert "the +15 goal ≈ €" in value and "not an experiment" in value
    facts = brief.facts(b)
    assert facts["effects"] and {"name", "effect", "ci_low", "ci_high", "verdict"} <= set(
        facts["effects"][0]
    )
    assert facts["value"]["value_of_a_point"]["value"] > 0
    html = brief.render_html(b, images={})
    assert "measured vs" in html and "A point of NPS is worth about" in html


def test_measured_effects_are_as_of_the_briefing_month(sample_db):
    """A briefing for March 2025 knows only the fixes shipped by then, measured on the months
    up to March (the same rule as spend)."""
    early = brief.briefing(sample_db, "2025-03", rng=rng())
    late = brief.briefing(sample_db, rng=rng())
    assert len(early.effects) < len(late.effects)
    assert (early.effects["shipped_at"].astype(str).str[:7] <= "2025-03").all()


def test_fixes_shipped_in_the_charts_months_are_marked_on_the_trend(sample_db):
    b = brief.briefing(sample_db, "2025-10", rng=rng())
    assert len(b.annotations) and (b.annotations["kind"] == "fix").all()
    spec = brief.trend_chart(b).to_dict()
    assert any(layer.get("mark", {}).get("type") == "rule" for layer in spec["layer"])


def test_the_trend_chart_title_names_the_lines_it_draws(db, write_csv, sample_db):
    # The sample has a goal: its path is drawn and named, with the 3-month line.
    title = brief.trend_chart(brief.briefing(sample_db, "2025-10", rng=rng())).to_dict()["title"]
    assert title == "NPS by month, 95 % band; 3-month NPS dashed; milestone path dotted orange"
    # Without a goal there is no path to name (the title said "milestone path" regardless).
    lines = ["response_id,responded_at,score"]
    lines += [f"r{i},2025-0{1 + i % 6}-1{i % 9},{i % 11}" for i in range(300)]
    ingest.import_file(db, write_csv("s.csv", "\n".join(lines) + "\n"), "survey")
    title = brief.trend_chart(brief.briefing(db, "2025-06", rng=rng())).to_dict()["title"]
    assert title == "NPS by month, 95 % band; 3-month NPS dashed"
