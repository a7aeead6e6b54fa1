"""Milestones: the bold goal, where we stand against its path, the portfolio of fixes, and
the odds of getting there. Until a goal is saved there is nothing to measure against: the
page offers suggested figures to save, and shows no status or odds."""

import streamlit as st

from cxdata import milestones
from cxdata.errors import InputError
from ui.common import db, editing, page_setup, plain
from ui.effects import effects_section
from ui.milestones import (
    comparison_section,
    goal_inputs,
    goal_line,
    no_goal_note,
    portfolio_section,
    simulation_section,
    status_section,
)

page_setup()
st.title("Milestones")
database = db()
saved = milestones.saved_goal(database)
if saved is None:
    no_goal_note()
    if editing():
        goal_inputs(database, saved)
    effects_section(database, portfolio_section(database))
else:
    settings = goal_inputs(database, saved) if editing() else milestones.plan_settings(database)
    goal, passive = settings.goal, settings.passive_share
    goal_line(goal, milestones.power_figures(goal.baseline, passive, goal.n_per_month))
    actual = None
    if goal.start_month:
        actual = status_section(database, goal)
    else:
        st.info(
            "Set the goal's start month (or upload survey responses on the Data page) to see "
            "the status month by month."
            if editing()
            else "The goal has no start month yet: no status month by month."
        )
    scenario = portfolio_section(database)
    effects_section(database, scenario)
    try:
        simulation_section(database, goal, scenario, passive, actual)
        comparison_section(database, goal, passive)
    except InputError as exc:  # e.g. fixes that start in a calendar month, and no goal start
        st.error(plain(str(exc)))
