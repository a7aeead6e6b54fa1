"""Widgets of the Maturity page: results, next steps, the questionnaire and CSV upload."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxdata import charts, maturity, store
from cxdata.errors import InputError
from cxdata.export import safe_csv
from cxdata.formatting import natural_date
from ui.common import (
    chart_downloads,
    chart_height,
    editing,
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
    responses = maturity.load_responses(store.connect(path))
    history = maturity.score_history(responses)
    return history, maturity.results_frame(history)


def headline(assessment: maturity.Assessment) -> None:
    org = assessment.organisation
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


def pickers(history) -> tuple[maturity.Assessment, str]:
    """The assessment and the department shown, in one compact row; both kept in the address
    and checked against the data (a date or department that is no longer there falls back to
    the latest assessment / its first department, with a note)."""
    dates = [a.assessed_at for a in history]
    wanted_date = url_choice("date", dates, dates[-1], label=natural_date)
    c1, c2, _ = st.columns([1, 1, 2] if presenting() else [1, 1, 1])
    when = c1.selectbox(
        "Assessment", dates, index=dates.index(wanted_date), format_func=natural_date, key="date"
    )
    assessment = history[dates.index(when)]
    departments = list(assessment.departments)
    wanted = url_choice("dept", departments, departments[0])
    dept = c2.selectbox("Department", departments, index=departments.index(wanted), key="dept")
    st.query_params.update({"date": when, "dept": dept})
    return assessment, dept


def results_section(database, history, results: pd.DataFrame) -> None:
    assessment, dept = pickers(history)
    when = assessment.assessed_at
    headline(assessment)
    current = results[results["assessed_at"] == when]
    order = [ORGANISATION, *assessment.departments]
    grid = current[current["domain"] != "overall"]
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
    next_steps_section(assessment, dept)
    if len(history) > 1:
        unit = st.radio("History of", [ORGANISATION, dept], horizontal=True, key="history_unit")
        trend = charts.maturity_history_chart(
            results[results["unit"] == unit], height=chart_height(300, "chart")
        )
        st.altair_chart(trend, width="stretch", key="history_chart")
    if not editing():
        return
    st.download_button(
        "Download all results (CSV)",
        safe_csv(results),
        file_name="maturity_results.csv",
        mime="text/csv",
        key="results_csv",
        on_click="ignore",
    )


def next_steps_section(assessment: maturity.Assessment, dept: str) -> None:
    st.header("Next steps")
    left, right = st.columns(2)
    for column, (label, score) in zip(
        (left, right),
        ((ORGANISATION, assessment.organisation), (dept, assessment.departments[dept])),
    ):
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
    dept = c1.selectbox("Department", maturity.DEPARTMENTS, key="q_dept")
    rater = c2.text_input("Rater", key="q_rater", placeholder="your name or role")
    when = c3.date_input("Assessment date", value=date.today(), key="q_date", format="DD/MM/YYYY")
    domains = maturity.instrument()
    code = (
        st.segmented_control(
            "Domain",
            list(domains),
            default="STR",
            format_func=lambda c: domains[c].name,
            key="q_domain",
        )
        or "STR"
    )
    if not rater.strip():
        st.info("Enter the rater's name or role to start.")
        return
    assessed_at = when.isoformat()
    previous = maturity.rater_answers(database, assessed_at, dept, rater.strip())
    answered = sum(1 for v in previous.values() if v is not None)
    st.caption(
        plain(
            f"{answered} of {sum(len(d.items) for d in domains.values())} items "
            f"answered so far for {dept} by {rater.strip()} on {assessed_at}."
        )
    )
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
                key=f"q_{assessed_at}_{dept}_{rater.strip()}_{item['id']}",
            )
        submitted = st.form_submit_button(f"Save {domains[code].name}", type="primary")
    if submitted:
        try:
            maturity.save_answers(
                database,
                assessed_at,
                dept,
                rater.strip(),
                {k: None if v == "n/a" else float(v) for k, v in choices.items()},
            )
        except InputError as exc:
            st.error(plain(str(exc)))
            return
        st.toast(plain(f"Saved {domains[code].name} for {dept}."))
        st.rerun()


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
