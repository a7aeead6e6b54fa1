"""Recognise how a CSV file is written: encoding, delimiter and header layout.

Real exports arrive as UTF-8 with or without a BOM, UTF-16 (Excel's "Unicode text"), or
Windows-1252 / Latin-1; delimited by commas, semicolons (European Excel), tabs or pipes; and, from
survey tools, with extra header rows: Qualtrics writes three (field ids, question text, an
``{"ImportId": …}`` JSON row), SurveyMonkey two (question text, answer-option sub-row).
:func:`sniff` works this out from the bytes so users never edit a file before uploading it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cxdata.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BLOCK = 1 << 20
_HEAD_CHARS = 256 * 1024
_SNIFF_ROWS = 60


@dataclass
class FileFormat:
    """What :func:`sniff` found out about a file."""

    path: Path
    name: str
    size: int
    sha256: str
    encoding: str
    delimiter: str
    layout: str  # "plain", "qualtrics" or "surveymonkey"
    headers: list[str]  # one name per column, as the file gives it (field ids for Qualtrics)
    labels: list[str]  # question text per column where the file has it, else the header
    header_lines: int  # physical lines before the first data row (quoted line breaks count)
    data_offset: int  # characters before the first data row in the decoded text
    notes: list[str] = field(default_factory=list)
    line_feeds: int = 0  # "\n" bytes in the whole file (tells whether values hold line breaks)
    ends_with_newline: bool = True

    def data_lines(self) -> int:
        """Physical lines after the header, if every line ends in "\n" (not in UTF-16)."""
        return self.line_feeds - self.header_lines + (0 if self.ends_with_newline else 1)

    def describe(self) -> dict:
        return {
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES[self.delimiter],
            "layout": self.layout,
            "header_lines": self.header_lines,
        }


def sniff(path: str | os.PathLike, name: str | None = None) -> FileFormat:
    """Read enough of ``path`` to know how to parse it; refuse what is not a text CSV.

    ``name`` is the file name shown in messages (an upload's own name), default the path's.
    """
    path = Path(path)
    name = name or path.name
    size, sha256, encoding, line_feeds, last_byte = _scan_bytes(path, name)
    head = _read_head(path, encoding)
    if not head.strip():
        raise InputError(f"File '{name}' is empty: there is no header and no data.")
    delimiter = _pick_delimiter(head)
    rows, line_ends = _parse_rows(head, delimiter)
    if not rows or not any(c.strip() for c in rows[0] + (rows[1] if len(rows) > 1 else [])):
        raise InputError(
            f"File '{name}' could not be read as CSV: no header row was found in its first "
            "lines. Save it again from the source as CSV (comma- or semicolon-separated)."
        )
    start = _header_start(rows)
    notes = []
    if start:
        notes.append(f"Skipped {start} line(s) above the header row.")
    layout, n_header_rows = _layout(rows[start:])
    header_rows = rows[start : start + n_header_rows]
    headers, labels = _names(layout, header_rows)
    last = start + n_header_rows - 1
    if last >= len(line_ends) or not headers:
        raise InputError(f"File '{name}' could not be read as CSV: its header row is incomplete.")
    return FileFormat(
        path=path,
        name=name,
        size=size,
        sha256=sha256,
        encoding=encoding,
        delimiter=delimiter,
        layout=layout,
        headers=headers,
        labels=labels,
        header_lines=line_ends[last][0],
        data_offset=line_ends[last][1],
        notes=notes,
        line_feeds=line_feeds,
        ends_with_newline=last_byte == b"\n",
    )


def _scan_bytes(path: Path, name: str) -> tuple[int, str, str, int, bytes]:
    """Size, SHA-256, encoding, count of "\n" bytes and the last byte, from one streamed pass."""
    digest = hashlib.sha256()
    size = 0
    line_feeds = 0
    last = b""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    first = b""
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            if not first:
                first = block[:4]
            digest.update(block)
            line_feeds += block.count(b"\n")
            last = block[-1:]
            if utf8_ok:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
            size += len(block)
    if size == 0:
        raise InputError(f"File '{name}' is empty (0 bytes).")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif first.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif utf8_ok:
        try:
            utf8.decode(b"", final=True)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    else:
        encoding = "cp1252"
    with open(path, "rb") as f:
        sample = f.read(64 * 1024)
    if encoding != "utf-16" and b"\x00" in sample:
        at = sample.index(b"\x00")
        raise InputError(
            f"File '{name}' is not a text CSV file (binary data at byte {at}). "
            "Export it from the source tool as CSV."
        )
    if encoding == "cp1252" and _undefined_in_cp1252(path):
        encoding = "latin-1"
    return size, digest.hexdigest(), encoding, line_feeds, last


def _undefined_in_cp1252(path: Path) -> bool:
    # Five byte values have no character in Windows-1252; a file using them is Latin-1.
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            if any(b in block for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
                return True
    return False


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text with line endings untouched (the CSV parser handles them)."""
    return open(path, encoding=encoding, newline="")


def _read_head(path: Path, encoding: str) -> str:
    with open_text(path, encoding) as f:
        head = f.read(_HEAD_CHARS)
    if "\x00" in head:
        raise InputError(f"File '{path.name}' is not a text CSV file (it contains binary data).")
    return head


def _complete_rows(head: str, delimiter: str) -> list[list[str]]:
    rows, _ = _parse_rows(head, delimiter)
    return rows


def _parse_rows(head: str, delimiter: str) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """The first rows of ``head`` and, for each, (physical lines, characters) up to its end.

    The last row is dropped when ``head`` may have cut it short.
    """
    lines = head.split("\n")
    truncated = len(head) >= _HEAD_CHARS
    if truncated:
        lines = lines[:-1]
    # Keep line ends so the character offsets are exact.
    keep = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines else [])
    reader = csv.reader(iter(keep), delimiter=delimiter)
    rows, ends = [], []
    consumed_lines = 0
    offsets = [0]
    for line in keep:
        offsets.append(offsets[-1] + len(line))
    try:
        for row in reader:
            consumed_lines = reader.line_num
            rows.append(row)
            ends.append((consumed_lines, offsets[min(consumed_lines, len(keep))]))
            if len(rows) >= _SNIFF_ROWS:
                break
    except csv.Error:
        pass
    if truncated and len(rows) > 1 and len(rows) < _SNIFF_ROWS:
        rows, ends = rows[:-1], ends[:-1]
    return rows, ends


def _pick_delimiter(head: str) -> str:
    """The delimiter that splits the first rows most consistently into the most fields."""
    best, best_key = ",", None
    for delimiter in DELIMITERS:
        rows = [r for r in _complete_rows(head, delimiter) if any(c.strip() for c in r)]
        if not rows:
            continue
        counts = Counter(len(r) for r in rows if len(r) > 1) or Counter(len(r) for r in rows)
        modal, freq = counts.most_common(1)[0]
        consistency = freq / len(rows)
        key = (modal > 1, consistency >= 0.9, modal, consistency)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _header_start(rows: list[list[str]]) -> int:
    """Index of the header row: report titles above a table are skipped."""
    counts = Counter(len(r) for r in rows if len(r) > 1 and any(c.strip() for c in r))
    if not counts:
        return 0
    modal = counts.most_common(1)[0][0]
    for i, row in enumerate(rows):
        filled = sum(1 for c in row if c.strip())
        if len(row) >= modal and filled >= max(1, len(row) // 2):
            return i
    return 0


def _layout(rows: list[list[str]]) -> tuple[str, int]:
    """("qualtrics", 3), ("surveymonkey", 2) or ("plain", 1)."""
    if len(rows) >= 3:
        third = [c.strip() for c in rows[2] if c.strip()]
        if third and sum(c.startswith("{") and "ImportId" in c for c in third) >= len(third) / 2:
            return "qualtrics", 3
    if len(rows) >= 2:
        first = {_plain(c) for c in rows[0]}
        second = {c.strip() for c in rows[1]}
        if "respondent id" in first and second & {"Response", "Open-Ended Response"}:
            return "surveymonkey", 2
    return "plain", 1


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip().lower()


def _names(layout: str, header_rows: list[list[str]]) -> tuple[list[str], list[str]]:
    clean = [[c.replace("\xa0", " ").strip() for c in row] for row in header_rows]
    if not clean:
        return [], []
    width = max(len(r) for r in clean)
    clean = [r + [""] * (width - len(r)) for r in clean]
    if layout == "qualtrics":
        return clean[0], [label or header for header, label in zip(clean[0], clean[1])]
    if layout == "surveymonkey":
        names, question = [], ""
        for top, sub in zip(clean[0], clean[1]):
            question = top or question
            if top and sub in ("", "Response", "Open-Ended Response"):
                names.append(top)
            elif question and sub:
                names.append(f"{question} - {sub}")
            else:
                names.append(top or sub or question)
        return names, names
    return clean[0], clean[0]
