"""Widgets of the Milestones page: the goal, status against the path, the portfolio editor,
the simulation and scenario comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cxdata import brief, charts, maturity, milestones, store
from cxdata import forecast as forecasting
from cxdata.errors import InputError
from cxdata.export import safe_csv
from cxdata.formatting import signed
from ui.common import chart_downloads, data_version, edit_table, plain, show_table, uploaded_file


@st.cache_data(max_entries=16, show_spinner="Simulating 10,000 futures…")
def run_simulation(path: str, version: str, goal: milestones.Goal, scenario: str, passive: float):
    """The simulation of one scenario, cached on the data version (every write changes it)."""
    portfolio = milestones.load_initiatives(store.connect(path), scenario)
    rng = np.random.default_rng(milestones.SEED)
    return milestones.simulate(goal, portfolio, rng, passive_share=passive)


@st.cache_data(max_entries=16, show_spinner="Forecasting from the actuals…")
def run_forecast(path: str, version: str, goal: milestones.Goal, scenario: str, month: str):
    """The forecast from the actuals of ``month``, seeded as the Briefing seeds it (the base
    portfolio's figures are the Briefing's)."""
    database = store.connect(path)
    counts = milestones.monthly_counts(database, up_to=month)
    portfolio = milestones.load_initiatives(database, scenario)
    rng = np.random.default_rng(milestones.SEED)
    return forecasting.forecast(counts, goal, portfolio, rng, month=month)


def as_of_month(database) -> str | None:
    """The month the status and the forecast are as of: the latest complete month, the
    Briefing's default, so both pages tell the same story."""
    return brief.latest_complete_month(database)


def goal_inputs(database) -> milestones.PlanSettings:
    """The goal widgets, filled from the stored goal (see :func:`milestones.plan_settings`),
    and what the plan runs with once they are read."""
    default = milestones.plan_settings(database)
    saved = default.sources["baseline"] == "saved goal"
    with st.expander("Goal", expanded=not saved):
        goal = default.goal
        c1, c2, c3, c4, c5, c6 = st.columns(6)
        baseline = c1.number_input("Baseline NPS", -100.0, 100.0, float(goal.baseline), 1.0)
        lift = c2.number_input("Lift (points)", -200.0, 200.0, float(goal.lift), 1.0)
        start = c3.text_input("Start month", goal.start_month, help="YYYY-MM: month 0")
        horizon = c4.number_input("Horizon (months)", 1, 120, int(goal.horizon))
        shape = c5.selectbox(
            "Path shape",
            milestones.SHAPES,
            index=milestones.SHAPES.index(goal.shape),
            help="S-curve: slow start, fast middle, slow end. Front-loaded: quick wins first.",
        )
        volume = c6.number_input("Responses / month", 1, 1_000_000, int(goal.n_per_month))
        try:
            settings = milestones.plan_settings(
                database,
                {
                    "baseline": baseline,
                    "lift": lift,
                    "start_month": start.strip(),
                    "horizon": int(horizon),
                    "shape": shape,
                    "n_per_month": int(volume),
                },
            )
        except InputError as exc:
            st.error(plain(str(exc)))
            st.stop()
        if st.button("Save goal", key="save_goal"):
            milestones.save_goal(database, settings.goal)
            st.toast("Goal saved.")
    return settings


def goal_line(goal: milestones.Goal, power: dict) -> None:
    end = goal.month_label(goal.horizon)
    by = f" by {milestones.month_name(end)}" if end else f" in {goal.horizon} months"
    st.subheader(
        plain(
            f"Goal: {signed(goal.baseline, 0)} → {signed(goal.target, 0)}{by} ({goal.shape}) · "
            f"{goal.n_per_month:,} responses a month · detectable change "
            f"±{power['detectable_change']:.0f} points"
        )
    )


def status_section(database, goal: milestones.Goal) -> pd.DataFrame:
    """Where the goal stands as of the latest complete month, in the words the Briefing
    uses (:func:`cxdata.forecast.goal_status`); returns the status table."""
    month = as_of_month(database)
    counts = milestones.monthly_counts(database, up_to=month)
    table = milestones.status_table(counts, goal) if not counts.empty else pd.DataFrame()
    status = forecasting.goal_status(counts, goal, month) if month else None
    path = milestones.milestone_path(goal)
    if status is None:
        st.info("No month inside the goal has three months of data yet: no status to show.")
    else:
        held = status.held
        with_data = (
            f", {status.months_with_data} of the 3 months had data"
            if status.months_with_data < 3
            else ""
        )
        st.markdown(
            "**"
            + plain(f"{milestones.month_name(status.month)}: {status.line()}.")
            + "** "
            + plain(
                f"95 % interval {signed(status.ci_low)} to {signed(status.ci_high)} "
                f"(n = {status.n:,}{with_data}); {status.words} for {held} month"
                f"{'s' if held != 1 else ''} in a row. Months behind so far: "
                f"{int((table['status'] == 'behind').sum())} of {len(table)}."
            )
        )
    chart = charts.milestone_chart(path, table)
    st.altair_chart(chart, width="stretch", key="milestone_chart")
    st.caption(
        "Within noise: the milestone is inside the 3-month NPS's 95 % interval — the data "
        "cannot tell the two apart, which is not the same as being on track. Behind (ahead) "
        "by more than the noise: the whole interval is below (above) the milestone. Counts "
        "are pooled over three calendar months."
    )
    chart_downloads(chart, table if not table.empty else path, "milestone_status", "status")
    return table


EDITOR_COLUMNS = {
    "name": st.column_config.TextColumn("Fix", required=True, width="medium"),
    "owner": st.column_config.SelectboxColumn("Owner", options=list(maturity.DEPARTMENTS)),
    "problem": st.column_config.TextColumn("Problem"),
    "root_cause": st.column_config.TextColumn("Root cause (five whys)"),
    "start_month": st.column_config.TextColumn("Start", help="YYYY-MM or months after start"),
    "ramp_months": st.column_config.NumberColumn("Ramp (months)", min_value=0, step=1),
    "effect_low": st.column_config.NumberColumn("Effect low", format="%+.1f"),
    "effect_likely": st.column_config.NumberColumn("Likely", format="%+.1f"),
    "effect_high": st.column_config.NumberColumn("High", format="%+.1f"),
    "probability": st.column_config.NumberColumn("P(success)", min_value=0.0, max_value=1.0),
    "cost": st.column_config.NumberColumn("Cost", min_value=0, format="localized"),
    "status": st.column_config.SelectboxColumn(
        "Status", options=list(milestones.INITIATIVE_STATUSES)
    ),
    "shipped_at": st.column_config.TextColumn("Shipped"),
    "scenario": None,
}


def portfolio_section(database) -> str:
    st.header("Portfolio of fixes")
    names = milestones.scenarios(database) or ["base"]
    c1, c2 = st.columns([1, 2])
    wanted = st.query_params.get("scenario", names[0])
    scenario = c1.selectbox(
        "Scenario", names, index=names.index(wanted) if wanted in names else 0, key="scenario"
    )
    new_name = c2.text_input(
        "Copy it as a new scenario", key="new_scenario", placeholder="e.g. bolder"
    )
    st.query_params["scenario"] = scenario
    current = milestones.load_initiatives(database, scenario)
    edited = edit_table(
        current,
        num_rows="dynamic",
        hide_index=True,
        key=f"editor_{scenario}",
        column_config=EDITOR_COLUMNS,
        width="stretch",
    )
    b1, b2, b3 = st.columns([1, 1, 3])
    if b1.button("Save portfolio", key="save_portfolio", type="primary"):
        _save(database, edited, scenario)
    if b2.button("Save as new scenario", key="save_as", disabled=not new_name.strip()):
        _save(database, edited, new_name.strip())
    b3.download_button(
        "Download portfolio (CSV)",
        safe_csv(current),
        file_name=f"initiatives_{scenario}.csv",
        mime="text/csv",
        key="portfolio_csv",
        on_click="ignore",
    )
    with st.expander("Import initiatives (CSV)"):
        st.caption(
            "Columns: " + ", ".join(milestones.INITIATIVE_COLUMNS) + ". Each scenario in the "
            "file replaces the stored one of that name."
        )
        upload = st.file_uploader("Initiatives CSV", type=["csv", "txt"], key="init_upload")
        if upload is not None and st.button("Import", key="init_import"):
            with uploaded_file(upload) as path:
                try:
                    result = milestones.import_initiatives(database, path, upload.name)
                except InputError as exc:
                    st.error(plain(str(exc)))
                else:
                    st.toast(plain(f"Imported {result['initiatives']} initiatives."))
                    st.rerun()
    return scenario


def _save(database, edited: pd.DataFrame, scenario: str) -> None:
    problems = milestones.save_initiatives(database, edited, scenario)
    if problems:
        st.error(
            plain(
                "Not saved: "
                + "; ".join(
                    f"row {p['row']} ({p['name'] or 'no name'}): {p['reason']}" for p in problems
                )
            )
        )
        return
    st.query_params["scenario"] = scenario
    st.toast(plain(f"Saved the {scenario} portfolio."))
    st.rerun()


def simulation_section(
    database,
    goal: milestones.Goal,
    scenario: str,
    passive: float,
    actual: pd.DataFrame | None = None,
) -> milestones.Plan:
    st.header("The odds")
    plan = run_simulation(
        str(store.database_path()), data_version(database), goal, scenario, passive
    )
    end = goal.month_label(goal.horizon)
    by = milestones.month_name(end) if end else f"month {goal.horizon}"
    unplanned = plan.unplanned_lift
    gap = (
        f"{unplanned:.1f} of the {goal.lift:.0f} points are still unplanned"
        if unplanned > 0.05
        else "the portfolio covers the whole lift"
    )
    st.markdown(
        plain(
            f"Plan at start: with the {scenario} portfolio there is a {plan.p_goal_true:.0%} "
            f"chance that NPS really reaches {signed(goal.target, 0)} by {by}, and a "
            f"{plan.p_goal_observed:.0%} chance that the 3-month NPS will show it; {gap} "
            f"(median simulated lift {signed(plan.median_lift)}, from the baseline "
            f"{signed(goal.baseline, 0)})."
        )
    )
    month = as_of_month(database) if goal.start_month else None
    ahead = (
        run_forecast(str(store.database_path()), data_version(database), goal, scenario, month)
        if month
        else None
    )
    if ahead is not None:
        st.markdown(
            "**"
            + plain(
                f"From the actuals: a {ahead.odds_line()}, and a {ahead.p_goal_observed:.0%} "
                "chance that the 3-month NPS will show it."
            )
            + "** "
            + plain(
                f"The forecast starts at the measured 3-month NPS "
                f"({signed(ahead.measured_nps)}, n = {ahead.measured_n:,}) with its "
                "uncertainty and adds what the fixes have still to deliver; it assumes the "
                "NPS otherwise holds."
            )
        )
    fan = charts.fan_chart(
        plan.fan,
        goal.target,
        actual=actual if actual is not None and not actual.empty else None,
        forecast=ahead.fan if ahead is not None else None,
    )
    st.altair_chart(fan, width="stretch", key="fan_chart")
    chart_downloads(fan, plan.fan, f"simulation_{scenario}", "fan")
    p = plan.power
    st.caption(
        plain(
            f"{plan.runs:,} simulated futures (seed {milestones.SEED}); passives held at "
            f"{passive:.0%} of responses. With {p['n_per_month']:,} responses a month, a change "
            f"between two months smaller than ±{p['detectable_change']:.1f} points cannot be "
            f"told from noise (two-sided 5 % test, 80 % power); detecting ±{p['delta']:.0f} "
            f"points would need {p['responses_needed_per_month']:,} responses a month."
        )
    )
    if not plan.value.empty:
        st.markdown("**Are the resources well used?** Expected NPS points per 100,000 spent:")
        show_table(
            plan.value.sort_values("points_per_100k", ascending=False, na_position="last"),
            hide_index=True,
            key="value_table",
            column_config={
                "name": "Fix",
                "owner": "Owner",
                "status": "Status",
                "expected_points": st.column_config.NumberColumn(
                    "Expected points", format="%.2f", help="probability × mean effect"
                ),
                "cost": st.column_config.NumberColumn("Cost", format="localized"),
                "points_per_100k": st.column_config.NumberColumn("Points per 100k", format="%.2f"),
            },
        )
    return plan


def comparison_section(database, goal: milestones.Goal, passive: float) -> None:
    names = milestones.scenarios(database)
    if len(names) < 2:
        st.caption("Save the portfolio under a second scenario name to compare portfolios.")
        return
    st.header("Scenarios side by side")
    version = data_version(database)
    rows = []
    for name in names:
        plan = run_simulation(str(store.database_path()), version, goal, name, passive)
        summary = milestones.portfolio_summary(milestones.load_initiatives(database, name), name)
        rows.append(
            {
                "Scenario": name,
                "Fixes": summary.fixes,
                "Dropped": summary.dropped,
                "Cost": summary.cost,
                "Expected points": summary.expected_points,
                "P(reach target)": plan.p_goal_true,
                "P(3-month NPS shows it)": plan.p_goal_observed,
                "Median lift": plan.median_lift,
                "Unplanned lift": plan.unplanned_lift,
            }
        )
    show_table(
        pd.DataFrame(rows),
        hide_index=True,
        key="scenario_table",
        column_config={
            "Dropped": st.column_config.NumberColumn(
                help="dropped fixes count in neither the fixes, the cost nor the odds"
            ),
            "Cost": st.column_config.NumberColumn(format="localized"),
            "Expected points": st.column_config.NumberColumn(
                format="%.1f", help="Σ probability × mean effect of the fixes counted"
            ),
            "P(reach target)": st.column_config.NumberColumn(format="percent"),
            "P(3-month NPS shows it)": st.column_config.NumberColumn(format="percent"),
            "Median lift": st.column_config.NumberColumn(format="%+.1f"),
            "Unplanned lift": st.column_config.NumberColumn(format="%.1f"),
        },
    )
