"""Widgets of the Data page: one uploaded file's preview and mapping, an import report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxdata import ingest, maturity, milestones, store
from cxdata.errors import InputError
from cxdata.export import safe_csv
from cxdata.ingest.aliases import DESCRIPTIONS, FIELDS, REQUIRED, normalise
from ui.common import (
    bullet_list,
    database_address,
    db,
    masked_table,
    plain,
    show_table,
    temporary_copy,
    uploaded_file,
)

NOT_USED = "— not used —"
KIND_LABELS = {
    "survey": "Touchpoint survey responses",
    "transactional": "Operational interactions (tickets, calls, orders)",
    "relationship": "Relationship survey responses",
    "outcomes": "Customer outcomes (churn and revenue per year)",
}


@st.cache_data(show_spinner="Reading the file…", max_entries=64)
def _inspect(
    file_id: str, _data: bytes, kind: str | None, overrides: tuple, dayfirst: bool | None, name: str
):
    """The preview of one upload (cached by its upload id; ``_data``, its bytes, is not hashed).
    The bytes reach disk only for the length of the call, in a private temporary folder."""
    with temporary_copy(_data) as path:
        return ingest.inspect_file(
            path, kind, mapping=dict(overrides), dayfirst=dayfirst, file_name=name
        )


def upload_panel(upload) -> None:
    """Preview, mapping editor, options and the Import button for one uploaded file."""
    key = upload.file_id
    data = upload.getvalue()
    st.subheader(plain(upload.name), divider="gray")
    try:
        guessed = _inspect(key, data, None, (), None, upload.name)
    except InputError as exc:
        st.error(plain(exc))
        return
    table = app_table(guessed["columns"])
    if table is not None:  # not responses: it belongs with the maturity or the milestones
        app_table_panel(upload, table)
        return
    kinds = list(KIND_LABELS)
    kind = st.selectbox(
        "What is in this file?",
        kinds,
        index=kinds.index(guessed["kind"]),
        format_func=KIND_LABELS.get,
        key=f"kind_{key}",
        help="Guessed from the column names; change it if the guess is wrong.",
    )
    overrides = _mapping_editor(key, data, kind, upload.name)
    c1, c2 = st.columns(2)
    dayfirst = c1.checkbox(
        "Dates are day-first (03/04/2025 is 3 April)",
        key=f"dayfirst_{key}",
        help="Only matters when every date would be valid either way.",
    )
    source = c2.text_input(
        "Source label",
        value="default",
        key=f"source_{key}",
        help="Where the file comes from (e.g. qualtrics, zendesk). Ids are unique per source.",
    )
    try:
        info = _inspect(
            key, data, kind, tuple(sorted(overrides.items())), dayfirst or None, upload.name
        )
    except InputError as exc:
        st.error(plain(exc))
        return
    fmt = info["format"]
    st.caption(
        plain(
            f"{info['rows']:,} rows · {fmt['encoding']} · {fmt['delimiter']}-separated"
            + (f" · {fmt['layout'].title()} export" if fmt["layout"] != "plain" else "")
        )
    )
    if info["assumptions"]:
        st.info("**What the import will assume**\n\n" + bullet_list(info["assumptions"]))
    if info.get("warnings"):
        st.warning("**Check before importing**\n\n" + bullet_list(info["warnings"]))
    wave = wave_date = None
    if info["needs_wave"] and kind == "outcomes":
        st.warning("This file has no date column. Give the date the snapshot was taken.")
        picked = st.date_input("Snapshot date", value=None, key=f"wave_date_{key}")
        wave_date = picked.isoformat() if picked else None
    elif info["needs_wave"]:
        st.warning("This file has no date column. Give the survey wave it belongs to.")
        w1, w2 = st.columns(2)
        wave = w1.text_input("Wave label", key=f"wave_{key}", placeholder="2025Q1")
        picked = w2.date_input("Wave date", value=None, key=f"wave_date_{key}")
        wave_date = picked.isoformat() if picked else None
    with st.expander("First rows of the file"):
        show_table(masked_table(info["sample"]), hide_index=True)
    blocked = [f for f in info["missing"]] + (
        ["wave date"] if info["needs_wave"] and not wave_date else []
    )
    if info["missing"]:
        names = ", ".join(DESCRIPTIONS.get(f, f) for f in info["missing"])
        st.error(plain(f"Choose the column for: {names}."))
    if st.button("Import", key=f"import_{key}", type="primary", disabled=bool(blocked)):
        _run_import(upload, kind, overrides, wave, wave_date, dayfirst, source)
    report = st.session_state.get(f"report_{key}")
    if report is not None:
        import_report(report)


# The app's own tables a file on the Data page may hold instead of responses (issue 19).
APP_TABLES = {
    "maturity": ("a CX maturity assessment", "pages/maturity.py", "Maturity"),
    "initiatives": ("a list of initiatives (fixes)", "pages/milestones.py", "Milestones"),
}


def app_table(columns: list[str]) -> str | None:
    """``maturity`` or ``initiatives`` when the headers are those of a maturity assessment
    (department and rater with item ids such as STR1, or item_id) or of an initiatives list
    (:data:`cxdata.milestones.INITIATIVE_COLUMNS`' required ones); else None."""
    names = {normalise(str(c)) for c in columns}
    needed = {"name", "effect_low", "effect_likely", "effect_high", "probability"}
    if needed <= names:
        return "initiatives"
    items = any(maturity.item_domain(str(c).strip().upper()) for c in columns)
    if names & {"department", "dept", "unit"} and (items or "item_id" in names):
        return "maturity"
    return None


def app_table_panel(upload, table: str) -> None:
    """Say what the file is and import it where it belongs, with the library's reader."""
    what, page, title = APP_TABLES[table]
    st.info(
        plain(
            f"This looks like {what}, not survey responses or interactions. It belongs on the "
            f"{title} page; import it from here and see it there."
        )
    )
    st.page_link(page, label=f"Open the {title} page")
    if not st.button(f"Import as {what}", key=f"import_{table}_{upload.file_id}"):
        return
    with uploaded_file(upload) as path:
        try:
            if table == "maturity":
                report = maturity.import_responses(db(), path, upload.name)
                done = (
                    f"{upload.name} was already imported; nothing changed."
                    if report.already_imported
                    else f"Imported {report.answers:,} maturity answers ({report.layout} form) "
                    f"for {', '.join(report.assessments)} from {upload.name}."
                )
                rejected = report.rejected
            else:
                result = milestones.import_initiatives(db(), path, upload.name)
                done = (
                    f"Imported {result['initiatives']:,} initiatives "
                    f"({', '.join(result['scenarios'])}) from {upload.name}."
                )
                rejected = []
        except InputError as exc:
            st.error(plain(exc))
            return
    st.success(plain(done))
    if rejected:
        st.warning(plain(f"{len(rejected):,} row(s) left out:"))
        show_table(masked_table(pd.DataFrame(rejected)), hide_index=True)


def _mapping_editor(key: str, data: bytes, kind: str, name: str) -> dict[str, str | None]:
    """A column picker per field, starting from the automatic mapping; returns the overrides."""
    auto = _inspect(key, data, kind, (), None, name)
    columns = auto["columns"]
    options = [NOT_USED, *columns]
    overrides: dict[str, str | None] = {}
    with st.expander("Columns used", expanded=bool(auto["missing"] or auto["needs_wave"])):
        st.caption("Matched from the column names and values. Change any that are wrong.")
        grid = st.columns(3)
        for i, fld in enumerate(FIELDS[kind]):
            current = auto["mapping"].get(fld, NOT_USED)
            label = fld + (" *" if fld in REQUIRED[kind] else "")
            chosen = grid[i % 3].selectbox(
                label,
                options,
                index=options.index(current),
                key=f"map_{key}_{kind}_{fld}",
                help=DESCRIPTIONS.get(fld),
            )
            if chosen != current:
                overrides[fld] = None if chosen == NOT_USED else chosen
    return overrides


def _run_import(upload, kind, overrides, wave, wave_date, dayfirst, source) -> None:
    key = upload.file_id
    bar = st.progress(0.0, text="Starting…")
    try:
        with uploaded_file(upload) as path:
            report = ingest.import_file(
                store.connect(database_address()),
                path,
                kind,
                source=source,
                mapping=overrides,
                wave=wave or None,
                wave_date=wave_date,
                dayfirst=dayfirst or None,
                file_name=upload.name,
                progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text),
            )
    except InputError as exc:
        bar.empty()
        st.session_state.pop(f"report_{key}", None)
        st.error(plain(exc))
        return
    bar.empty()
    st.session_state[f"report_{key}"] = report
    st.rerun()  # so the dataset list below shows the new import


def import_report(report: ingest.ImportReport) -> None:
    """The validation report of one import: counts, assumptions, warnings, rejected rows."""
    if report.already_imported:
        st.info(plain(report.assumptions[0]))
        return
    summary = (
        f"Imported {report.accepted:,} of {report.rows:,} rows from {report.file}: "
        f"{report.inserted:,} new, {report.updated:,} updated."
    )
    (st.warning if report.rejected else st.success)(plain(summary))
    cols = st.columns(6)
    for col, (label, value, tip) in zip(
        cols,
        [
            ("Accepted", report.accepted, "Valid rows written"),
            ("New", report.inserted, "Rows that were not in the database"),
            ("Updated", report.updated, "Rows whose id was already stored"),
            ("Rejected", report.rejected, "Rows with no valid score, date or id"),
            ("Blank", report.blank, "Rows with every cell empty"),
            ("Skipped", report.skipped, "Survey preview, test or spam responses"),
        ],
    ):
        col.metric(label, f"{value:,}", help=tip)
    if report.duplicates_in_file and report.kind == "transactional":  # an event log
        st.caption(plain(ingest.collapsed_events(report)))
    elif report.duplicates_in_file:
        st.caption(
            plain(
                f"{report.duplicates_in_file:,} rows repeated an earlier id in the "
                "file; the later row was kept."
            )
        )
    if report.warnings:
        st.warning("**Cells stored empty**\n\n" + bullet_list(report.warnings))
    if report.rejected_rows:
        st.markdown(f"**Rejected rows** (first {len(report.rejected_rows)} of {report.rejected:,})")
        show_table(masked_table(pd.DataFrame(report.rejected_rows)), hide_index=True)
        rejected_download(report.dataset_id, f"report_{report.dataset_id}")


def rejected_download(dataset_id: int, key: str) -> None:
    frame = ingest.rejections_frame(store.connect(database_address()), dataset_id)
    st.download_button(
        f"Download all {len(frame):,} rejected rows (CSV)",
        safe_csv(frame),
        file_name=f"rejected_rows_dataset_{dataset_id}.csv",
        mime="text/csv",
        key=f"dl_{key}",
    )
