"""The Briefing page and the HTML brief show the same figures, from one function."""

import html

import numpy as np

from cxdata import brief, milestones
from tests.pages.conftest import chart_specs


def test_page_cards_chart_and_html_brief_come_from_one_briefing(app, sample_db):
    at = app()
    assert not at.exception
    b = brief.briefing(sample_db, "2026-10", rng=np.random.default_rng(milestones.SEED))
    cards = brief.cards(b)
    assert [(m.label, m.value) for m in at.metric] == [(c.label, c.value) for c in cards]
    captions = [c.value for c in at.caption]
    for card in cards:
        if card.caption:
            assert any(
                card.caption.replace("·", "") in c.replace("\\", "").replace("·", "")
                for c in captions
            )
    page_text = "\n".join(m.value.replace("\\", "") for m in at.markdown)
    page_html = html.unescape(brief.render_html(b, images={}))
    assert brief.sentence(b) in page_text and brief.sentence(b) in page_html
    for line in brief.action_lines(b):
        assert line in page_text
        assert line in page_html
    for card in cards:
        assert card.value in page_html and card.caption in page_html
    for mover in b.movers:
        assert brief.mover_line(mover) in page_text.replace("\u2060", "")
        assert brief.mover_line(mover) in page_html
    # The chart on the page is the chart the HTML brief renders: same title, layers and
    # encodings (Streamlit ships the data beside the spec, so only the spec is compared).
    html_chart = brief.trend_chart(b).to_dict()
    page_chart = next(s for s in chart_specs(at) if s.get("title") == html_chart["title"])

    def layers(spec):
        return [(layer["mark"], layer.get("encoding")) for layer in spec["layer"]]

    assert layers(page_chart) == layers(html_chart)
