"""Widgets of the Maturity page: results, next steps, the questionnaire and CSV upload."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxdata import charts, maturity, store
from cxdata import departments as org_departments
from cxdata.errors import InputError
from cxdata.export import safe_csv
from cxdata.formatting import natural_date
from ui.common import (
    chart_downloads,
    chart_height,
    editing,
    keep_in_url,
    link_adjusted,
    masked_table,
    plain,
    presenting,
    show_table,
    uploaded_file,
    url_choice,
)

ORGANISATION = "Organisation"


@st.cache_data(max_entries=8, show_spinner=False)
def load_results(path: str, version: str):
    """Every assessment date's scores (departments in the organisation's order), the results
    table, and the rounds (complete or draft) by date."""
    database = store.connect(path)
    responses = maturity.load_responses(database)
    order = org_departments.names(database)
    history = maturity.score_history(responses, order)
    rounds = {r.assessed_at: r for r in maturity.rounds(responses, order)} if history else {}
    return history, maturity.results_frame(history), rounds


def round_label(round_: maturity.Round | None, when: str) -> str:
    """``15 Jun 2026``, or ``1 Sep 2026 — draft, 1 of 11 departments``."""
    if round_ is None or round_.complete:
        return natural_date(when)
    return f"{natural_date(when)} — draft, {round_.departments} of {round_.of} departments"


def default_date(dates: list[str], rounds: dict[str, maturity.Round]) -> str:
    """The latest complete round; only when none is complete, the latest date."""
    done = maturity.latest_complete([rounds[d] for d in dates if d in rounds])
    return done.assessed_at if done else dates[-1]


def draft_banner(round_: maturity.Round, rounds: dict[str, maturity.Round]) -> None:
    """What a draft round is, and which round stands for the organisation meanwhile."""
    done = maturity.latest_complete(list(rounds.values()))
    if done:
        meanwhile = (
            "the organisation's result is the last complete round's "
            f"({natural_date(done.assessed_at)}) until it is complete"
        )
    else:
        meanwhile = "the organisation has no result until a round is complete"
    st.warning(
        plain(
            f"Draft: {round_.departments} of {round_.of} departments have answered; "
            f"{meanwhile}. The scores below are what has been answered so far."
        ),
        icon=":material/edit_note:",
    )
    st.caption(plain(f"Why it is a draft: {round_.reason}."))


def headline(assessment: maturity.Assessment, draft: bool = False) -> None:
    org = assessment.organisation
    if draft:
        # No organisation stage for a draft: a few departments' answers are not its result.
        st.subheader(
            plain(
                f"Draft of {natural_date(assessment.assessed_at)}: the answers so far, "
                "department by department"
            )
        )
        return
    text = (
        f"Organisation: stage {org.stage} · {org.stage_name} "
        f"(overall {maturity.rounded(org.overall):.2f} of 4, "
        f"assessed {natural_date(assessment.assessed_at)})"
    )
    st.subheader(plain(text))
    if org.capped_by:
        if org.capped_by in maturity.instrument():
            domain = maturity.instrument()[org.capped_by]
            reason = f"{domain.name} ({maturity.rounded(org.domains[org.capped_by]):.2f})"
        else:
            dept = assessment.departments[org.capped_by]
            reason = f"{org.capped_by}, at stage {dept.stage}"
        st.markdown(
            plain(
                f"Capped by the weakest link — {reason}; the overall score alone would be "
                f"stage {org.uncapped_stage} · {maturity.STAGE_NAMES[org.uncapped_stage]}."
            )
        )
    else:
        weakest = maturity.instrument()[org.weakest]
        st.markdown(
            plain(
                f"Weakest domain: {weakest.name} "
                f"({maturity.rounded(org.domains[org.weakest]):.2f}). A stage is "
                "at most one above the stage of the weakest domain and of the weakest department."
            )
        )


def pickers(history, rounds: dict[str, maturity.Round]) -> tuple[maturity.Assessment, str]:
    """The assessment and the department shown, in one compact row; both kept in the address
    and checked against the data (a date or department that is no longer there falls back to
    the latest complete round / its first department, with a note). A draft round is listed
    as one and never the default, though a link may open it."""
    dates = [a.assessed_at for a in history]
    default = default_date(dates, rounds)
    wanted_date = url_choice("date", dates, default, label=natural_date)
    c1, c2, _ = st.columns([1, 1, 2] if presenting() else [1, 1, 1])
    when = c1.selectbox(
        "Assessment",
        dates,
        index=dates.index(wanted_date),
        format_func=lambda d: round_label(rounds.get(d), d),
        key="date",
        help="An assessment date is a round. It is a draft until every domain is answered by "
        "as many departments as in the last complete round (or by every department).",
    )
    assessment = history[dates.index(when)]
    departments = list(assessment.departments)
    wanted = url_choice("dept", departments, departments[0])
    dept = c2.selectbox("Department", departments, index=departments.index(wanted), key="dept")
    keep_in_url({"date": when, "dept": dept}, {"date": default, "dept": departments[0]})
    return assessment, dept


def results_section(database, history, results: pd.DataFrame, rounds: dict) -> None:
    assessment, dept = pickers(history, rounds)
    when = assessment.assessed_at
    round_ = rounds.get(when)
    draft = round_ is not None and not round_.complete
    if draft:
        draft_banner(round_, rounds)
    headline(assessment, draft)
    current = results[results["assessed_at"] == when]
    # A draft's organisation row would read as its result: the departments only.
    order = [*assessment.departments] if draft else [ORGANISATION, *assessment.departments]
    grid = current[(current["domain"] != "overall") & current["unit"].isin(order)]
    # Side by side only on the presentation screen (1920 wide): on a laptop the heatmap takes
    # the page's width so its department names and stage legend are not cut.
    if presenting():
        left, radar_box = st.columns([3, 2])
        text_box = radar_box
    else:
        left = st.container()
        radar_box, text_box = st.columns([3, 2], vertical_alignment="center")
    with left:
        heat = charts.maturity_heatmap(grid, order=order)
        st.altair_chart(heat, width="stretch", key="heatmap")
        st.caption(
            "Scores 0–4, coloured by stage. ◆ raters disagree (spread of 1.5 or more); "
            "'insufficient': fewer than half of the domain's items answered."
        )
        chart_downloads(heat, current, f"maturity_{when}", "heatmap")
    with radar_box:
        score = assessment.departments[dept]
        profile = pd.DataFrame(
            [
                {"series": series, "domain": code, "score": s.domains[code]}
                for series, s in ((dept, score), (ORGANISATION, assessment.organisation))
                for code in s.domains
                if not (draft and series == ORGANISATION)
            ]
        )
        radar = charts.radar_chart(profile, size=chart_height(340, "wide"))
        st.altair_chart(radar, key="radar")
    with text_box:
        capped = f", capped by {score.capped_by}" if score.capped_by else ""
        st.markdown(
            plain(
                f"{dept}: stage {score.stage} · {score.stage_name}{capped} "
                f"(overall {maturity.rounded(score.overall):.2f}; {score.raters} rater(s))"
            )
        )
    disagreements = [
        {"Department": name, "Domain": maturity.instrument()[code].name, "Spread": spread}
        for name, s in assessment.departments.items()
        for code, spread in s.disagreement.items()
    ]
    if disagreements:
        st.warning(
            plain(
                "Raters disagree: "
                + "; ".join(
                    f"{d['Department']} on {d['Domain']} "
                    f"(spread {maturity.rounded(d['Spread']):.2f})"
                    for d in disagreements
                )
                + ". Talk it through before acting on these scores."
            ),
            icon=":material/forum:",
        )
    next_steps_section(assessment, dept, draft)
    # The history is of complete rounds: a draft's organisation score is not a result yet.
    complete = [d for d in dict.fromkeys(results["assessed_at"]) if _complete(rounds, d)]
    if len(complete) > 1:
        unit = st.radio("History of", [ORGANISATION, dept], horizontal=True, key="history_unit")
        shown = results[(results["unit"] == unit) & results["assessed_at"].isin(complete)]
        trend = charts.maturity_history_chart(shown, height=chart_height(300, "chart"))
        st.altair_chart(trend, width="stretch", key="history_chart")
    if not editing():
        return
    rounds_column = results["assessed_at"].map(
        lambda d: "complete" if _complete(rounds, d) else "draft"
    )
    st.download_button(
        "Download all results (CSV)",
        safe_csv(results.assign(round=rounds_column)),
        file_name="maturity_results.csv",
        mime="text/csv",
        key="results_csv",
        on_click="ignore",
    )


def _complete(rounds: dict, when: str) -> bool:
    return when not in rounds or rounds[when].complete


def next_steps_section(assessment: maturity.Assessment, dept: str, draft: bool = False) -> None:
    """The next practices for the organisation and the department shown (in a draft round,
    for the department only: the organisation's are the last complete round's)."""
    st.header("Next steps")
    left, right = st.columns(2)
    units = [(ORGANISATION, assessment.organisation), (dept, assessment.departments[dept])]
    for column, (label, score) in zip((left,) if draft else (left, right), units[draft:]):
        with column:
            st.markdown("**" + plain(label) + "**")
            for step in maturity.next_steps(score):
                st.markdown(
                    plain(
                        f"{step['name']} — {step['score']:.2f}, stage {step['stage']} "
                        f"({step['stage_name']}). To reach the next stage:"
                    )
                )
                if step["practices"]:
                    st.markdown("\n".join(f"- {plain(p)}" for p in step["practices"]))
                else:
                    st.markdown("- " + plain("Already at the top stage: keep it embedded."))


def no_assessment(linked: dict) -> None:
    """The empty state (``linked``: the date and department a link asked for, said to be
    unavailable); in presentation mode without the invitation to fill in a form that is not
    there."""
    asked = [f"{name} '{value}'" for name, value in linked.items() if value is not None]
    if asked:
        link_adjusted(f"there is no assessment yet, so not {' and '.join(asked)}")
    if not editing():
        st.info("No maturity assessment yet.")
        return
    st.info(
        "No assessment yet. Take the questionnaire below for each department, or upload an "
        "assessment as CSV. The sample data on the Data page includes one."
    )


def questionnaire(database) -> None:
    st.header("Take the assessment")
    st.caption(
        "One department and rater at a time; answer one domain, save, then the next. Each "
        "level is described by what you would observe. 'n/a' means not answered."
    )
    c1, c2, c3 = st.columns([2, 2, 1])
    listed = org_departments.names(database)
    dept = c1.selectbox(
        "Department",
        listed,
        index=0 if listed else None,
        key="q_dept",
        accept_new_options=True,
        placeholder="Type a department",
        help="The organisation's departments; type a new name to add one (it joins the list "
        "when its first answers are saved).",
    )
    rater = c2.text_input("Rater", key="q_rater", placeholder="your name or role")
    when = c3.date_input("Assessment date", value=date.today(), key="q_date", format="DD/MM/YYYY")
    domains = maturity.instrument()
    counts = {c: len(d.items) for c, d in domains.items()}
    if not (dept or "").strip():
        st.info("Choose or type the department to start.")
        return
    if not rater.strip():
        st.info("Enter the rater's name or role to start.")
        return
    dept, rater = " ".join(dept.split()), rater.strip()
    assessed_at = when.isoformat()
    previous = maturity.rater_answers(database, assessed_at, dept, rater)
    done = {
        c: sum(1 for i in d.items if previous.get(i["id"]) is not None) for c, d in domains.items()
    }
    code = (
        st.segmented_control(
            "Domain",
            list(domains),
            default="STR",
            format_func=lambda c: f"{domains[c].name} {done[c]}/{counts[c]}",
            key="q_domain",
        )
        or "STR"
    )
    progress_line(database, assessed_at, dept, rater, sum(done.values()), sum(counts.values()))
    options = ["n/a", 0, 1, 2, 3, 4]
    with st.form(f"form_{code}"):
        st.markdown("**" + plain(f"{domains[code].name} ({domains[code].weight:.0f} %)") + "**")
        choices = {}
        for item in domains[code].items:
            before = previous.get(item["id"])
            index = options.index(int(before)) if before is not None else 0
            choices[item["id"]] = st.radio(
                plain(f"{item['id']}. {item['statement']}"),
                options,
                index=index,
                captions=["not answered", *item["anchors"]],
                format_func=str,
                key=f"q_{assessed_at}_{dept}_{rater}_{item['id']}",
            )
        submitted = st.form_submit_button(f"Save {domains[code].name}", type="primary")
    if submitted:
        try:
            maturity.save_answers(
                database,
                assessed_at,
                dept,
                rater,
                {k: None if v == "n/a" else float(v) for k, v in choices.items()},
            )
        except InputError as exc:
            st.error(plain(str(exc)))
            return
        st.toast(plain(f"Saved {domains[code].name} for {dept}."))
        st.rerun()


def progress_line(database, assessed_at: str, dept: str, rater: str, answered: int, of: int):
    """How far this rater is ("4 of 24 answered"), and whether the round is still a draft."""
    st.progress(
        answered / of,
        text=plain(
            f"{answered} of {of} answered — {dept}, rated by {rater}, {natural_date(assessed_at)}"
        ),
    )
    round_ = {r.assessed_at: r for r in maturity.load_rounds(database)}.get(assessed_at)
    if round_ is None:
        st.caption(
            "A new round: it stays a draft, not the organisation's result, until every domain "
            "is answered by as many departments as in the last complete round."
        )
    elif not round_.complete:
        st.caption(
            plain(
                f"This round is a draft ({round_.departments} of {round_.of} departments so "
                "far) until it is complete: it is not the organisation's result yet. "
                f"{_capital(round_.reason)}."
            )
        )
    else:
        st.caption(plain(f"This round is complete: {round_.reason}."))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def upload_section(database) -> None:
    with st.expander("Upload an assessment (CSV)"):
        st.caption(
            "Long form: assessed_at, department, rater, item_id, score — or wide form: "
            "assessed_at, department, rater, STR1, STR2, … MET4. Scores 0–4; blank or n/a = "
            "not answered. An answer outside 0–4 or to an item the instrument lacks is "
            "reported and left out on its own; a row without a date, department or rater is "
            "left out whole. Departments not listed yet join the organisation's list."
        )
        upload = st.file_uploader("Maturity CSV", type=["csv", "txt"], key="maturity_upload")
        if upload is None or not st.button("Import", key="maturity_import"):
            return
        with uploaded_file(upload) as path:
            try:
                report = maturity.import_responses(database, path, upload.name)
            except InputError as exc:
                st.error(plain(str(exc)))
                return
        if report.already_imported:
            st.info(plain(f"{upload.name} was already imported; nothing changed."))
            return
        st.success(
            plain(
                f"Imported {report.answers:,} answers ({report.layout} form) for "
                f"{', '.join(report.assessments)} from {upload.name}."
            )
        )
        if report.rejected:
            st.warning(
                plain(f"{len(report.rejected)} answer(s) or row(s) left out: ")
                + "; ".join(plain(p) for p in report.problems[:5])
                + (" …" if len(report.problems) > 5 else "")
            )
            show_table(masked_table(pd.DataFrame(report.rejected)), hide_index=True)
