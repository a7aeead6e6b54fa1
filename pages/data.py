"""Data: upload exports, check the mapping, import, and manage what is stored."""

import pandas as pd
import streamlit as st

from cxdata import store
from cxdata.formatting import natural_datetimes
from ui.common import db, editing, page_setup, plain, show_table, user_scope
from ui.importing import rejected_download, upload_panel
from ui.settings import settings_section

page_setup()
st.title("Data")
if user_scope() is not None:
    st.info(
        "Imports, datasets and settings are managed by the CX team: your view shows "
        f"{plain(user_scope())} only."
    )
    st.stop()
database = db()
datasets = store.list_datasets(database)

if not datasets:
    with st.container(border=True):
        st.subheader("Start here: your database is empty")
        st.markdown(
            "Upload CSV exports from your survey tool, CRM or contact-centre system:\n"
            "- **Touchpoint survey responses** — a 0–10 *likelihood to recommend* score and a "
            "date per row, ideally with channel, touchpoint, department, region and comment.\n"
            "- **Operational interactions** — tickets, calls or orders with an id, a date and "
            "KPIs such as wait time or first-contact resolution.\n"
            "- **Relationship survey responses** — the periodic *overall* NPS, by wave.\n\n"
            "Qualtrics and SurveyMonkey exports can be uploaded as they come. "
            "Or explore first with a realistic sample: 24 months of a telecom's CX data."
        )
        if editing() and st.button("Load sample data", type="primary", key="load_sample"):
            from cxdata.sample import load_sample

            with st.spinner("Importing the sample data…"):
                load_sample(database)
            st.rerun()

# Presentation mode shows what is stored, with nothing to upload, import or delete.
uploads = (
    st.file_uploader(
        "Upload CSV exports",
        type=["csv", "tsv", "txt"],
        accept_multiple_files=True,
        key="upload",
        help="One or many files. Encoding, delimiter and survey-tool header rows are detected.",
    )
    if editing()
    else []
)
for upload in uploads or []:
    with st.container(border=True):
        upload_panel(upload)

st.header("Stored datasets")
if not datasets:
    st.caption("Nothing imported yet.")
else:
    table = pd.DataFrame(
        {
            "Dataset": [d["id"] for d in datasets],
            "File": [d["file_name"] for d in datasets],
            "Kind": [d["kind"] for d in datasets],
            "Source": [d["source"] for d in datasets],
            "Imported": natural_datetimes(pd.Series([d["imported_at"] for d in datasets])),
            "Rows read": [d["rows"] for d in datasets],
            "Accepted": [d["accepted"] for d in datasets],
            "Rejected": [d["rejected"] for d in datasets],
            "Rows stored now": [d["rows_stored"] for d in datasets],
        }
    )
    counts = st.column_config.NumberColumn(format="localized")
    show_table(
        table,
        hide_index=True,
        key="datasets_table",
        column_config={c: counts for c in ("Rows read", "Accepted", "Rejected", "Rows stored now")},
    )
    if not editing():
        st.stop()
    by_id = {d["id"]: d for d in datasets}
    chosen = st.selectbox(
        "Dataset",
        list(by_id),
        format_func=lambda i: f"#{i} · {by_id[i]['file_name']} ({by_id[i]['kind']})",
        key="dataset_pick",
    )
    picked = by_id[chosen]
    left, right = st.columns(2)
    with left:
        if picked["rejected"]:
            rejected_download(chosen, f"list_{chosen}")
    with right:
        if st.button("Delete this dataset…", key="delete_ask"):
            st.session_state["confirm_delete"] = chosen
    if st.session_state.get("confirm_delete") == chosen:
        st.warning(
            plain(
                f"Delete dataset #{chosen} ({picked['file_name']})? Of the "
                f"{picked['rows_stored']:,} rows it holds, those an earlier import also wrote "
                "get that import's values back; the others are removed. This cannot be undone."
            )
        )
        yes, no = st.columns(2)
        if yes.button("Yes, delete it", type="primary", key="delete_yes"):
            deletion = store.dataset_deletion(database, chosen)
            st.session_state.pop("confirm_delete")
            st.toast(
                f"Deleted dataset #{chosen}: {deletion.removed:,} rows removed, "
                f"{deletion.restored:,} restored to an earlier import's values."
            )
            st.rerun()
        if no.button("Cancel", key="delete_no"):
            st.session_state.pop("confirm_delete")
            st.rerun()

if editing():
    settings_section(database)
