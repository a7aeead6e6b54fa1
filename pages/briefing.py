"""Briefing (home): the answer to the CEO's "what are your results this month?"."""

from cxdata import store
from ui.briefing import empty_state, show
from ui.common import db, page_setup

page_setup()
database = db()
if not store.has_rows(database, "survey"):
    empty_state()  # a new user lands on the Data page, which says what to upload
else:
    show(database)
