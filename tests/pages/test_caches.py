"""Page caches see writes made elsewhere: they are keyed on store.data_version."""

import re
import subprocess
import sys

from cxdata import store


def _briefing_n(at) -> int:
    # The NPS card's caption: "439 responses · give or take 8".
    caption = next(c.value for c in at.caption if re.match(r"[\d,]+ responses? ", c.value))
    return int(re.match(r"([\d,]+) respons", caption).group(1).replace(",", ""))


def test_an_erasure_from_the_command_line_shows_on_the_next_rerun(app, sample_db):
    at = app()
    assert not at.exception
    month = at.title[0].value.split(" · ")[0]
    assert month == "October 2026"
    before = _briefing_n(at)
    customer, answered = sample_db.execute(
        "SELECT customer_id, count(*) FROM survey WHERE responded_at >= '2026-10-01' "
        "AND responded_at < '2026-11-01' AND customer_id IS NOT NULL "
        "GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    path = str(store.database_path())
    result = subprocess.run(
        [sys.executable, "-m", "cxdata", "erase", "--customer", customer, "--db", path],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    at.run()
    assert not at.exception
    assert _briefing_n(at) == before - answered
