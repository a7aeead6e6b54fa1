"""Each page in Streamlit's AppTest on an N-row database: the cold first run (fresh
caches), a warm rerun, and a rerun after a widget change. Targets: warm ≤ 0.5 s, cold ≤ 3 s
(absolute, only indicative on a noisy machine). Baseline for the ratio: a bare ``st.write``
app's first run.
"""

from __future__ import annotations

import os
import time

from common import OUT, ROOT, arguments, report, survey_database

PAGES = {
    # page: (widget key, new value) for the warm rerun
    "pages/briefing.py": ("month", None),  # None: the second option
    "pages/trends.py": ("period", "quarter"),
    "pages/drivers.py": ("target", "promoter"),
    "pages/maturity.py": ("q_dept", "Marketing"),
    "pages/milestones.py": ("scenario", None),
    "pages/data.py": ("dataset", None),
}


def main() -> None:
    args = arguments(__doc__)
    os.environ["CXDATA_DB"] = str(survey_database(args.rows))
    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's bare-mode warnings

    bare = OUT / "bare_app.py"
    bare.write_text("import streamlit as st\nst.write('hello')\n")
    start = time.perf_counter()
    AppTest.from_file(str(bare), default_timeout=120).run()
    baseline = time.perf_counter() - start

    for page, (key, value) in PAGES.items():
        st.cache_data.clear()
        start = time.perf_counter()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
        at.switch_page(page).run()
        cold = time.perf_counter() - start
        if at.exception:
            print(f"{page}: {at.exception[0].message}")
            continue
        start = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - start
        widget = next((w for w in at.selectbox if w.key == key), None)
        warm = None
        if widget is not None and len(widget.options) > 1:
            new = value if value is not None else widget.options[1]
            start = time.perf_counter()
            widget.set_value(new).run()
            warm = time.perf_counter() - start
        report(f"{page} cold first run", cold, baseline, target="≤ 3 s")
        report(f"{page} warm rerun", rerun, baseline, target="≤ 0.5 s")
        if warm is not None:
            report(f"{page} rerun after {key} changed", warm, baseline, target="≤ 0.5 s")


if __name__ == "__main__":
    main()
