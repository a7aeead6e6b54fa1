"""Comment themes: an editable keyword dictionary, and what each theme says about the score.

A comment mentions a theme when one of its words starts with one of the theme's keywords
(case-insensitive): ``bill`` finds "bill", "billing" and "Bills", and ``app`` finds "app" and
"apps" but not "happy". A keyword of several words ("on hold") matches that phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxdata import nps
from cxdata.errors import InputError
from cxdata.store import app_tables, links, responses

DEFAULT_THEMES: dict[str, list[str]] = {
    "billing": ["bill", "invoice", "charge", "overcharg", "price", "refund", "payment", "fee"],
    "waiting": ["wait", "hold", "queue", "slow", "took ages", "callback", "call back"],
    "delivery": ["deliver", "courier", "parcel", "shipping", "arriv", "dispatch"],
    "staff": ["staff", "agent", "rude", "polite", "friendly", "helpful", "engineer", "technician"],
    "product": ["speed", "signal", "connection", "coverage", "outage", "broadband", "device"],
    "digital": ["app", "website", "online", "login", "log in", "password", "portal"],
}


def theme_pattern(keywords: list[str]) -> str:
    """One case-insensitive regular expression (RE2 syntax, run by Arrow) matching any keyword
    at the start of a word."""
    words = [re.escape(k.strip().casefold()) for k in keywords if k.strip()]
    if not words:
        raise InputError("A theme needs at least one keyword.")
    return r"(?i)\b(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


def _matches(comments: pa.Array, pattern: str) -> np.ndarray:
    hit = pc.match_substring_regex(comments, pattern)
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def load_themes(db) -> dict[str, list[str]]:
    """The saved themes, or the defaults when none have been saved."""
    saved = app_tables.saved_themes(db)
    if not saved:
        return {name: list(words) for name, words in DEFAULT_THEMES.items()}
    return saved


def parse_keywords(text: str) -> list[str]:
    """``"bill, invoice ,charge"`` → ``["bill", "invoice", "charge"]`` (lower case, no repeats)."""
    return list(dict.fromkeys(w.strip().casefold() for w in str(text).split(",") if w.strip()))


def save_themes(db, themes: dict[str, list[str]]) -> None:
    """Replace the theme dictionary (one transaction). Names must be unique and non-empty."""
    clean: dict[str, list[str]] = {}
    for name, words in themes.items():
        label = str(name).strip()
        if not label:
            raise InputError("Every theme needs a name.")
        if label.casefold() in {n.casefold() for n in clean}:
            raise InputError(f"The theme '{label}' appears twice.")
        words = [w for w in (k.strip().casefold() for k in words) if w]
        if not words:
            raise InputError(f"Theme '{label}' needs at least one keyword.")
        theme_pattern(words)
        clean[label] = words
    app_tables.replace_themes(db, clean)


@dataclass
class ThemeSave:
    """What saving the theme editor's table did: the themes saved (in order), each row not
    saved with its reason (``{"row" (1-based, as the editor shows it), "theme", "reason"}``)
    and how many blank rows were skipped. When any row is refused nothing is stored, so a
    theme is never lost because another row had a mistake and the editor keeps the edits."""

    saved: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    skipped: int = 0

    @property
    def message(self) -> str:
        """``Saved 6 themes.`` or ``Nothing saved: row 2: Theme 'billing' needs at least one
        keyword. Correct it and save again.``"""
        if self.rejected:
            rows = "; ".join(
                (f"row {r['row']}: " if r["row"] else "") + r["reason"] for r in self.rejected
            )
            many = len(self.rejected) > 1
            return f"Nothing saved: {rows}. Correct {'them' if many else 'it'} and save again."
        n = len(self.saved)
        text = f"Saved {n} theme{'' if n == 1 else 's'}."
        if self.skipped:
            text += f" {self.skipped} blank row{'' if self.skipped == 1 else 's'} skipped."
        return text

    def to_dict(self) -> dict:
        return {"saved": self.saved, "rejected": self.rejected, "skipped": self.skipped}


def save_theme_table(db, frame: pd.DataFrame) -> ThemeSave:
    """Store an edited theme table (columns ``theme`` and ``keywords``, comma-separated text
    or a list), replacing the dictionary in one transaction, and say what was done.

    A row with neither a theme nor a keyword is skipped. A row is refused, with its reason,
    when its theme is blank, repeats an earlier row's (in any case), or has no keyword (an
    empty cell is no keyword, never the word "nan"); then nothing is stored. A table with no
    theme left is refused too: an empty dictionary would bring the default themes back.

    >>> save_theme_table(None, pd.DataFrame({"theme": ["billing"], "keywords": [None]})).message
    "Nothing saved: row 1: Theme 'billing' needs at least one keyword. Correct it and save again."
    """
    report = ThemeSave()
    clean: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    for number, row in enumerate(frame.to_dict("records"), start=1):
        label, words = _cell_text(row.get("theme")), _cell_keywords(row.get("keywords"))
        if not label and not words:
            report.skipped += 1
            continue
        reason = None
        if not label:
            reason = f"a theme needs a name (keywords {', '.join(words)})"
        elif label.casefold() in first:  # repeats a row above, whether that one was saved
            reason = f"Theme '{label}' is already row {first[label.casefold()]}"
        elif not words:
            reason = f"Theme '{label}' needs at least one keyword"
        if label:
            first.setdefault(label.casefold(), number)
        if reason:
            report.rejected.append({"row": number, "theme": label, "reason": reason})
            continue
        clean[label] = words
    if not report.rejected and not clean:
        report.rejected.append(
            {
                "row": 0,
                "theme": "",
                "reason": "the dictionary needs at least one theme (an empty one means the "
                "default themes)",
            }
        )
    if report.rejected:
        return report
    save_themes(db, clean)
    report.saved = list(clean)
    return report


def _cell_text(value) -> str:
    """A cell's text, stripped; "" for an empty cell (None, NaN, pandas' NA, blank text)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def _cell_keywords(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return parse_keywords(",".join(_cell_text(v) for v in value))
    return parse_keywords(_cell_text(value))


def theme_flags(comments: pd.Series, themes: dict[str, list[str]]) -> pd.DataFrame:
    """1/0 per theme for each comment (missing comments stay missing)."""
    text = pa.array(comments.astype("string"), type=pa.large_string(), from_pandas=True)
    missing = comments.isna().to_numpy()
    out = {}
    for name, words in themes.items():
        hit = _matches(text, theme_pattern(words)).astype(float)
        hit[missing] = np.nan
        out[f"theme:{name}"] = hit
    return pd.DataFrame(out, index=comments.index)


def theme_summary(
    db, themes: dict[str, list[str]], query: nps.Query | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Per theme: how often detractors and promoters mention it, and the NPS of the comments
    that do, with n and interval. Beyond ``links.SAMPLE_ROWS`` responses, the comments of the
    pseudo-random sample the drivers use (``attrs["sampled_from"]``: the responses it was
    drawn from), so the page never reads every comment.

    Columns: ``theme``, ``mentions``,
    ``share_detractors``, ``share_promoters`` (of the commenting detractors / promoters),
    ``detractors``, ``passives``, ``promoters``, ``n``, ``nps``, ``ci_low``, ``ci_high``,
    ``low_n``, ``hidden``.
    """
    query = query or nps.Query()
    names = list(themes)
    rows, sampled_from = responses.comment_scores(db, query, max_rows=links.SAMPLE_ROWS)
    # The comments go through Arrow's regular-expression engine column-wise: word-start
    # matching is beyond SQL's LIKE, and row-by-row Python is ten times slower.
    comments = pa.array([r[0] for r in rows], type=pa.large_string())
    scores = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    detractor, promoter = scores <= 6, scores >= 9
    passive = ~detractor & ~promoter
    total_d, total_p = int(detractor.sum()), int(promoter.sum())
    per_theme = []
    for name in names:
        hit = _matches(comments, theme_pattern(themes[name])) if len(rows) else np.zeros(0, bool)
        per_theme.append(
            {
                "theme": name,
                "detractors": int((hit & detractor).sum()),
                "passives": int((hit & passive).sum()),
                "promoters": int((hit & promoter).sum()),
            }
        )
    frame = pd.DataFrame(per_theme, columns=["theme", "detractors", "passives", "promoters"])
    if frame.empty:
        return frame
    summary = nps.summarise(frame, ["theme"], level=level, compare_with_previous=False)
    summary = summary.set_index("theme").loc[names].reset_index()
    summary.insert(1, "mentions", summary["n"])
    summary.insert(2, "share_detractors", summary["detractors"] / total_d if total_d else np.nan)
    summary.insert(3, "share_promoters", summary["promoters"] / total_p if total_p else np.nan)
    summary.attrs["commenting_detractors"] = total_d
    summary.attrs["commenting_promoters"] = total_p
    if sampled_from:
        summary.attrs["sampled_from"] = sampled_from
    return summary.drop(columns=["change", "p_value", "significant"])
