"""Widgets of the Milestones page: the goal, status against the path, the portfolio editor,
the simulation and scenario comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cxdata import brief, charts, milestones, settings, store
from cxdata import departments as org_departments
from cxdata import forecast as forecasting
from cxdata.errors import InputError
from cxdata.export import safe_csv
from cxdata.formatting import money, plus_minus_points, signed
from ui.common import (
    chart_downloads,
    chart_height,
    data_version,
    database_address,
    edit_table,
    editing,
    keep_in_url,
    masked_table,
    plain,
    show_table,
    uploaded_file,
    url_choice,
)

SAVED_FLAG = "_goal_just_saved"
SCENARIO_SAVED = "_scenario_just_saved"  # the scenario a save stored, selected on the rerun


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


def no_goal_note() -> None:
    """No goal was saved: nothing to measure against, so no status and no odds."""
    if editing():
        st.info(
            "No goal set yet: set one below. The figures in the form are suggestions; "
            "the status and the odds appear once a goal is saved.",
            icon=":material/flag:",
        )
    else:
        st.info("No goal set yet.", icon=":material/flag:")


def goal_inputs(database, saved: milestones.Goal | None) -> milestones.PlanSettings:
    """The goal widgets, filled from the saved goal, else with suggestions from the data (see
    :func:`milestones.plan_settings`), and what the plan runs with once they are read."""
    if st.session_state.pop(SAVED_FLAG, False):
        st.toast("Goal saved.")
    default = milestones.plan_settings(database)
    suggested = "from your data" if default.sources["baseline"] == "data" else "defaults"
    title = "Goal" if saved else f"Goal — suggested ({suggested}), not saved yet"
    with st.expander(title, expanded=saved is None):
        if saved is None:
            st.caption(
                plain(
                    "Suggested: the NPS of the first three months with data as the baseline, "
                    "+15 points in 30 months, the average monthly volume. Change what you "
                    "need, then save the goal."
                    if suggested == "from your data"
                    else "Suggested defaults: change what you need, then save the goal."
                )
            )
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
            plan = milestones.plan_settings(
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
        if st.button(
            "Save goal", key="save_goal", type="primary" if saved is None else "secondary"
        ):
            milestones.save_goal(database, plan.goal)
            st.session_state[SAVED_FLAG] = True
            st.rerun()
    return plan


def goal_line(goal: milestones.Goal, power: dict) -> None:
    end = goal.month_label(goal.horizon)
    by = f" by {milestones.month_name(end)}" if end else f" in {goal.horizon} months"
    st.subheader(
        plain(
            f"Goal: {signed(goal.baseline, 0)} → {signed(goal.target, 0)}{by} ({goal.shape}) · "
            f"{goal.n_per_month:,} responses a month · detectable change "
            f"{plus_minus_points(power['detectable_change'])}"
        ),
        help=plain(
            f"At {goal.n_per_month:,} responses a month, a change between two months smaller "
            f"than {power['detectable_change']:.1f} points cannot be told from noise "
            "(two-sided 5 % test, 80 % power)."
        ),
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
        months = (
            f"{status.months_with_data} of the 3 months had data, "
            if (status.months_with_data < 3)
            else ""
        )
        detail = (
            f"95 % interval {signed(status.ci_low)} to {signed(status.ci_high)} around the "
            f"3-month NPS ({months}n = {status.n:,}). Within noise: the milestone is inside "
            "the interval."
        )
        st.markdown(
            "**"
            + plain(f"{milestones.month_name(status.month)}: {_capital(status.clause())}.")
            + "** "
            + plain(
                f"{_capital(status.words)} for {held} month{'s' if held != 1 else ''} in a "
                f"row, from {status.n:,} responses. Months behind so far: "
                f"{int((table['status'] == 'behind').sum())} of {len(table)}."
            ),
            help=plain(detail),
        )
        if editing():
            st.caption(plain(detail))
    chart = charts.milestone_chart(path, table, height=chart_height(320, "trend"))
    st.altair_chart(chart, width="stretch", key="milestone_chart")
    st.caption(
        "Within noise: the milestone is inside the 3-month NPS's 95 % interval — the data "
        "cannot tell the two apart, which is not the same as being on track. Behind (ahead) "
        "by more than the noise: the whole interval is below (above) the milestone. Counts "
        "are pooled over three calendar months."
    )
    chart_downloads(chart, table if not table.empty else path, "milestone_status", "status")
    return table


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def editor_columns(currency: str, owners: list[str]) -> dict:
    """The portfolio editor's columns; the owner is one of ``owners`` (the organisation's
    departments), the cost's label carries the currency. The name is not marked required:
    the grid would drop a new row left without one, which the save reports instead."""
    return {
        "name": st.column_config.TextColumn("Fix", width="medium"),
        "owner": st.column_config.SelectboxColumn("Owner", options=owners),
        "problem": st.column_config.TextColumn("Problem"),
        "root_cause": st.column_config.TextColumn("Root cause (five whys)"),
        "start_month": st.column_config.TextColumn("Start", help="YYYY-MM or months after start"),
        "ramp_months": st.column_config.NumberColumn("Ramp (months)", min_value=0, step=1),
        "effect_low": st.column_config.NumberColumn("Effect low", format="%+.1f"),
        "effect_likely": st.column_config.NumberColumn("Likely", format="%+.1f"),
        "effect_high": st.column_config.NumberColumn("High", format="%+.1f"),
        "probability": st.column_config.NumberColumn(
            "Chance of success", min_value=0.0, max_value=1.0, help="0–1"
        ),
        "cost": st.column_config.NumberColumn(
            f"Cost ({currency})" if currency else "Cost", min_value=0, format="localized"
        ),
        "status": st.column_config.SelectboxColumn(
            "Status", options=list(milestones.INITIATIVE_STATUSES)
        ),
        "shipped_at": st.column_config.TextColumn("Shipped"),
        "segment": st.column_config.TextColumn(
            "Segment",
            help="Where its effect should show, COLUMN=VALUE (e.g. touchpoint=Billing enquiry); "
            "blank for the whole NPS",
        ),
        "scenario": None,
    }


def currency_input(database, where) -> str:
    """The organisation's currency (shown with every cost), saved as it is typed; returns
    the stored one."""
    stored = settings.currency(database)
    typed = where.text_input(
        "Currency",
        value=stored,
        key="currency",
        placeholder="€, $, SEK",
        help="A symbol (€, $, £) or a code (EUR, SEK): shown with every cost and amount.",
    )
    if typed.strip() != stored:
        try:
            stored = settings.save_currency(database, typed)
        except InputError as exc:
            st.error(plain(str(exc)))
        else:
            st.toast(plain(f"Currency saved: {stored or 'none'}."))
    return stored


def portfolio_view(initiatives: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The portfolio as a read-only table for the screen share: one line per fix, chances as
    percentages, costs with the currency (effects stay numbers: see :data:`VIEW_COLUMNS`)."""
    frame = initiatives.reset_index(drop=True)
    chance = pd.to_numeric(frame.get("probability"), errors="coerce")
    return pd.DataFrame(
        {
            "Fix": frame.get("name"),
            "Owner": frame.get("owner"),
            "Problem": frame.get("problem"),
            "Start": frame.get("start_month", pd.Series(dtype=object)).map(_month_or_offset),
            "Effect low": pd.to_numeric(frame.get("effect_low"), errors="coerce"),
            "Likely": pd.to_numeric(frame.get("effect_likely"), errors="coerce"),
            "High": pd.to_numeric(frame.get("effect_high"), errors="coerce"),
            "Chance of success": chance.map(lambda v: "–" if pd.isna(v) else f"{v:.0%}"),
            "Cost": frame.get("cost", pd.Series(dtype=float)).map(lambda v: money(v, currency)),
            "Status": frame.get("status"),
        }
    )


# Signed effects as numbers (a text "+1.5" would be shown as a formula-safe "'+1.5").
VIEW_COLUMNS = {
    name: st.column_config.NumberColumn(name, format="%+.1f", help="NPS points")
    for name in ("Effect low", "Likely", "High")
}


def _month_or_offset(value) -> str:
    text = "" if pd.isna(value) else str(value).strip()
    try:
        return milestones.month_name(text)
    except InputError:
        return f"month {text}" if text else ""


def portfolio_section(database) -> str:
    """The scenario picker and its portfolio: an editor (with Save, Save as new scenario and
    import) normally, a read-only table in presentation mode."""
    st.header("Portfolio of fixes")
    names = milestones.scenarios(database) or [milestones.GOAL_NAME]
    first = milestones.GOAL_NAME if milestones.GOAL_NAME in names else names[0]
    wanted = url_choice("scenario", names, first)
    just_saved = st.session_state.pop(SCENARIO_SAVED, None)
    if just_saved in names:
        st.session_state["scenario"] = just_saved  # the scenario the last save stored
        st.session_state["new_scenario"] = ""  # its name was used
    # An index beside a value set through the session state would warn: 0 then (ignored).
    index = 0 if just_saved in names else names.index(wanted)
    if not editing():
        c1, _ = st.columns([1, 3])
        scenario = c1.selectbox("Scenario", names, index=index, key="scenario")
        keep_in_url({"scenario": scenario}, {"scenario": first})
        currency = settings.currency(database)
        current = milestones.load_initiatives(database, scenario)
        show_table(
            masked_table(portfolio_view(current, currency)),
            hide_index=True,
            key="portfolio_table",
            column_config=VIEW_COLUMNS,
            width="stretch",
            placeholder="",
        )
        return scenario
    c1, c2, c3 = st.columns([2, 3, 1])
    scenario = c1.selectbox("Scenario", names, index=index, key="scenario")
    new_name = c2.text_input(
        "Copy it as a new scenario", key="new_scenario", placeholder="e.g. bolder"
    )
    currency = currency_input(database, c3)
    keep_in_url({"scenario": scenario}, {"scenario": first})
    current = milestones.load_initiatives(database, scenario)
    edited = edit_table(
        current,
        num_rows="dynamic",
        hide_index=True,
        key=f"editor_{scenario}",
        column_config=editor_columns(currency, owner_options(database, current)),
        width="stretch",
        placeholder="",  # an empty cell is blank, not "None"
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


def owner_options(database, portfolio: pd.DataFrame) -> list[str]:
    """The organisation's departments, then any owner the portfolio already names that is not
    one of them (so a stored owner is never blanked by the editor)."""
    listed = org_departments.names(database)
    stored = [o for o in portfolio.get("owner", pd.Series(dtype=object)).dropna() if str(o).strip()]
    return list(dict.fromkeys([*listed, *map(str, stored)]))


def _save(database, edited: pd.DataFrame, scenario: str) -> None:
    """Save the editor's portfolio as ``scenario``; every row not saved is listed with its
    reason (and nothing is stored then); a saved scenario is selected on the rerun."""
    try:
        report = milestones.save_initiatives(database, edited, scenario)
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    if report.rejected:
        st.error(plain(report.message), icon=":material/error:")
        return
    st.session_state[SCENARIO_SAVED] = report.scenario
    st.query_params["scenario"] = report.scenario
    st.toast(plain(report.message))
    st.rerun()


def simulation_section(
    database,
    goal: milestones.Goal,
    scenario: str,
    passive: float,
    actual: pd.DataFrame | None = None,
) -> milestones.Plan:
    st.header("The odds")
    plan = run_simulation(database_address(), data_version(database), goal, scenario, passive)
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
            f"{plan.p_goal_observed:.0%} chance that the 3-month NPS will show it; {gap}."
        ),
        help=plain(
            f"Median simulated lift {signed(plan.median_lift)} from the baseline "
            f"{signed(goal.baseline, 0)}; {plan.runs:,} simulated futures (seed "
            f"{milestones.SEED})."
        ),
    )
    month = as_of_month(database) if goal.start_month else None
    ahead = (
        run_forecast(database_address(), data_version(database), goal, scenario, month)
        if month
        else None
    )
    if ahead is not None:
        how = (
            f"The forecast starts at the measured 3-month NPS ({signed(ahead.measured_nps)}, "
            f"from {ahead.measured_n:,} responses) with its uncertainty and adds what the "
            "fixes have still to deliver; it assumes the NPS otherwise holds."
        )
        st.markdown(
            "**"
            + plain(
                f"From the actuals: a {ahead.odds_line()}, and a {ahead.p_goal_observed:.0%} "
                "chance that the 3-month NPS will show it."
            )
            + "**"
            + (" " + plain(how) if editing() else ""),
            help=plain(how),
        )
    fan = charts.fan_chart(
        plan.fan,
        goal.target,
        actual=actual if actual is not None and not actual.empty else None,
        forecast=ahead.fan if ahead is not None else None,
        height=chart_height(320, "wide"),
    )
    st.altair_chart(fan, width="stretch", key="fan_chart")
    chart_downloads(fan, plan.fan, f"simulation_{scenario}", "fan")
    p = plan.power
    if editing():
        st.caption(
            plain(
                f"{plan.runs:,} simulated futures (seed {milestones.SEED}); passives held at "
                f"{passive:.0%} of responses. With {p['n_per_month']:,} responses a month, a "
                f"change between two months smaller than ±{p['detectable_change']:.1f} points "
                f"cannot be told from noise (two-sided 5 % test, 80 % power); detecting "
                f"±{p['delta']:.0f} points would need {p['responses_needed_per_month']:,} "
                "responses a month."
            )
        )
    if not plan.value.empty:
        currency = settings.currency(database)
        per = money(100_000, currency)
        st.markdown(
            "**Are the resources well used?** " + plain(f"Expected NPS points per {per} spent:")
        )
        value = plan.value.sort_values("points_per_100k", ascending=False, na_position="last")
        show_table(
            value.assign(cost=value["cost"].map(lambda v: money(v, currency))),
            hide_index=True,
            key="value_table",
            column_config={
                "name": "Fix",
                "owner": "Owner",
                "status": "Status",
                "expected_points": st.column_config.NumberColumn(
                    "Expected points", format="%.2f", help="chance of success × mean effect"
                ),
                "cost": "Cost",
                "points_per_100k": st.column_config.NumberColumn(
                    f"Points per {per}", format="%.2f"
                ),
            },
        )
    return plan


def comparison_section(database, goal: milestones.Goal, passive: float) -> None:
    names = milestones.scenarios(database)
    if len(names) < 2:
        if editing():
            st.caption("Save the portfolio under a second scenario name to compare portfolios.")
        return
    currency = settings.currency(database)
    st.header("Scenarios side by side")
    version = data_version(database)
    rows = []
    for name in names:
        plan = run_simulation(database_address(), version, goal, name, passive)
        summary = milestones.portfolio_summary(milestones.load_initiatives(database, name), name)
        rows.append(
            {
                "Scenario": name,
                "Fixes": summary.fixes,
                "Dropped": summary.dropped,
                "Cost": money(summary.cost, currency),
                "Expected points": summary.expected_points,
                "Chance NPS reaches the target": plan.p_goal_true,
                "Chance the 3-month NPS shows it": plan.p_goal_observed,
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
            "Cost": st.column_config.TextColumn(
                help="dropped fixes excluded; fixes without a cost add nothing"
            ),
            "Expected points": st.column_config.NumberColumn(
                format="%.1f", help="Σ probability × mean effect of the fixes counted"
            ),
            "Chance NPS reaches the target": st.column_config.NumberColumn(
                format="percent", help="P(true NPS ≥ target at the horizon), simulated"
            ),
            "Chance the 3-month NPS shows it": st.column_config.NumberColumn(
                format="percent", help="P(3-month observed NPS ≥ target at the horizon)"
            ),
            "Median lift": st.column_config.NumberColumn(
                format="%+.1f", help="the median of the simulated lifts"
            ),
            "Unplanned lift": st.column_config.NumberColumn(
                format="%.1f", help="target minus the median simulated lift"
            ),
        },
    )
