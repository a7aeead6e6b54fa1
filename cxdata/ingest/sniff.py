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

import numpy as np

from cxdata.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BLOCK = 1 << 20
_HEAD_CHARS = 256 * 1024
_SNIFF_ROWS = 60
# The longest run of characters without a delimiter or line break a file may hold (one cell, at
# least, is that long). The CSV readers build a whole cell in memory at many times its size
# before anyone can look at it (pandas about 17 times), so the byte scan refuses such a file
# first. Real exports' longest cells (free-text comments) are a few thousand characters.
MAX_FIELD_CHARS = 1 << 20
# Bytes looked at to recognise UTF-16 without a byte order mark by its NULs.
_UTF16_SAMPLE = 4096


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
    replaced: int = 0  # byte sequences invalid in the encoding, read as U+FFFD

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
    declared = _declared_encoding(path, name)
    # The delimiter is ASCII in every encoding read here, so a provisional decoding finds it;
    # the byte scan needs it to measure cells.
    delimiter = _pick_delimiter(_read_head(path, declared or "utf-8", name))
    scan = _scan_bytes(path, name, declared, delimiter)
    head = _read_head(path, scan.encoding, name)
    if not head.strip():
        raise InputError(f"File '{name}' is empty: there is no header and no data.")
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
    fmt = FileFormat(
        path=path,
        name=name,
        size=scan.size,
        sha256=scan.sha256,
        encoding=scan.encoding,
        delimiter=delimiter,
        layout=layout,
        headers=headers,
        labels=labels,
        header_lines=line_ends[last][0],
        data_offset=line_ends[last][1],
        notes=notes,
        line_feeds=scan.line_feeds,
        ends_with_newline=scan.last_byte == b"\n",
        replaced=scan.replaced,
    )
    if scan.long_field_line:
        raise InputError(_long_field_message(fmt, scan.long_field_line))
    if scan.replaced:
        fmt.notes.append(
            f"{scan.replaced:,} byte sequence(s) are not valid {_ENCODING_NAMES[scan.encoding]} "
            "and were read as '\ufffd'; the rows holding them are listed in the warnings."
        )
    return fmt


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}


def _declared_encoding(path: Path, name: str) -> str | None:
    """The encoding the first bytes settle: a byte order mark, or UTF-16 without one, told by
    the NULs of its ASCII characters (every second byte: odd ones little-endian, even ones
    big-endian). None: UTF-8 or an 8-bit encoding, which only the whole file tells apart."""
    with open(path, "rb") as f:
        first = f.read(_UTF16_SAMPLE)
    if not first:
        raise InputError(f"File '{name}' is empty (0 bytes).")
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(first) // 2
    if pairs >= 2:
        even = first[: 2 * pairs : 2].count(0) / pairs
        odd = first[1 : 2 * pairs : 2].count(0) / pairs
        if odd >= 0.7 and even <= 0.05:
            return "utf-16-le"
        if even >= 0.7 and odd <= 0.05:
            return "utf-16-be"
    return None


@dataclass
class _Scan:
    """What one streamed pass over a file's bytes found."""

    size: int
    sha256: str
    encoding: str
    line_feeds: int
    last_byte: bytes
    replaced: int  # invalid byte sequences, read as U+FFFD
    long_field_line: int  # physical line of a cell longer than MAX_FIELD_CHARS; 0: none


def _scan_bytes(path: Path, name: str, declared: str | None, delimiter: str) -> _Scan:
    """Size, SHA-256, encoding, "\\n" count, last byte and the longest cell, in one pass that
    stops at the first sign the file is not text (a NUL) or holds a cell too long to read.

    A file that is valid UTF-8 but for a few byte sequences stays UTF-8 (those are read as
    U+FFFD and reported): it is UTF-8 when its valid multi-byte characters outnumber its
    invalid sequences; otherwise it is Windows-1252, or Latin-1 when it uses one of the five
    bytes Windows-1252 leaves undefined.
    """
    digest = hashlib.sha256()
    size = line_feeds = chars = replaced = literal = 0
    last = b""
    wide = declared is not None and declared.startswith("utf-16")
    decoder = codecs.getincrementaldecoder(declared or "utf-8")(errors="replace")
    cells = _CellLengths(delimiter, declared)
    undefined_1252 = False
    long_line = 0
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            if not wide and (at := block.find(b"\x00")) >= 0:
                raise InputError(_binary_message(name, size + at))
            text = decoder.decode(block)
            if wide and "\x00" in text:
                raise InputError(_binary_message(name, size))
            chars += len(text)
            if "\ufffd" in text:
                replaced += text.count("\ufffd")
                literal += block.count("\ufffd".encode(declared or "utf-8"))
            if not undefined_1252 and not wide:
                undefined_1252 = any(
                    b in block for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
                )
            digest.update(block)
            at = cells.add(block)
            if at >= 0:
                newline = b"\x00\n" if declared == "utf-16-be" else b"\n"
                long_line = line_feeds + block.count(newline, 0, at) + 1
                break
            line_feeds += block.count(b"\n")
            last = block[-1:]
            size += len(block)
    if size == 0 and not long_line:
        raise InputError(f"File '{name}' is empty (0 bytes).")
    tail = decoder.decode(b"", final=True)
    replaced += tail.count("\ufffd")
    chars += len(tail)
    replaced = max(0, replaced - literal)
    if declared:
        encoding = declared
    elif replaced == 0 or size - chars > replaced:
        encoding = "utf-8"
    else:
        encoding, replaced = ("latin-1" if undefined_1252 else "cp1252"), 0
    return _Scan(
        size=size,
        sha256=digest.hexdigest(),
        encoding=encoding,
        line_feeds=line_feeds,
        last_byte=last,
        replaced=replaced,
        long_field_line=long_line,
    )


class _CellLengths:
    """Finds, block by block, a run of more than :data:`MAX_FIELD_CHARS` characters without
    the delimiter or a line break: inside one cell, whatever the quoting. A block is no longer
    than that limit, so only a run across a block's edge can exceed it: the first and last
    stop of each block are all it needs (found at memchr speed for 8-bit text)."""

    def __init__(self, delimiter: str, encoding: str | None):
        self.order = {"utf-16-le": "<u2", "utf-16-be": ">u2"}.get(encoding or "")
        self.wide = encoding is not None and encoding.startswith("utf-16")
        self.stops = [ord(delimiter), ord("\n"), ord("\r")]
        self.run = 0  # code units since the last stop, carried from block to block

    def add(self, block: bytes) -> int:
        """-1, or a byte offset in ``block`` inside a cell that is too long."""
        unit = 2 if self.wide else 1
        n = len(block) // unit
        first, last = self._first_and_last_stop(block, n)
        if first < 0:
            if self.run + n > MAX_FIELD_CHARS:
                return min(n - 1, MAX_FIELD_CHARS - self.run) * unit
            self.run += n
            return -1
        if self.run + first > MAX_FIELD_CHARS:
            return 0
        self.run = n - 1 - last
        return -1

    def _first_and_last_stop(self, block: bytes, n: int) -> tuple[int, int]:
        if not self.wide:
            found = [block.find(bytes([s])) for s in self.stops]
            found = [i for i in found if i >= 0]
            if not found:
                return -1, -1
            return min(found), max(block.rfind(bytes([s])) for s in self.stops)
        if self.order is None:  # UTF-16 with a byte order mark, which is in the first block
            self.order = "<u2" if block.startswith(codecs.BOM_UTF16_LE) else ">u2"
        units = np.frombuffer(block, dtype=self.order, count=n)
        a, b, c = self.stops
        stop = np.flatnonzero((units == a) | (units == b) | (units == c))
        if not stop.size:
            return -1, -1
        return int(stop[0]), int(stop[-1])


def _binary_message(name: str, at: int) -> str:
    return (
        f"File '{name}' is not a text CSV file (binary data at byte {at:,}). "
        "Export it from the source tool as CSV."
    )


def _long_field_message(fmt: FileFormat, line: int) -> str:
    row, column = _row_and_column_at_line(fmt, line)
    where = f"line {line:,}"
    if row is not None:
        where = f"row {row:,} (line {line:,})" + (f", column '{column}'" if column else "")
    return (
        f"File '{fmt.name}', {where}: a cell is longer than {MAX_FIELD_CHARS:,} characters, "
        "the most a cell may hold. Is it a CSV export? If so, shorten that cell or export "
        "without it."
    )


def _row_and_column_at_line(fmt: FileFormat, line: int) -> tuple[int | None, str | None]:
    """The data row starting on physical ``line`` and the column of its first long cell,
    read with the csv module (which never holds more than its field size limit of a cell).
    (None, None) when the line is in the header."""
    if line <= fmt.header_lines:
        return None, None
    rows = 0
    column = None
    previous = csv.field_size_limit()
    csv.field_size_limit(2 * MAX_FIELD_CHARS + 2)
    try:
        with open_text(fmt.path, fmt.encoding) as f:
            f.read(fmt.data_offset)
            reader = csv.reader(f, delimiter=fmt.delimiter)
            # Rows before the long line only: reading that line would build it whole.
            while fmt.header_lines + reader.line_num < line - 1:
                if next(reader, None) is None:
                    break
                rows += 1
            # Fields of the long row, up to the long one (its start is kept in the error).
            line_text = _line_prefix(f)
            fields = next(csv.reader([line_text], delimiter=fmt.delimiter), [])
            if fields:
                names = fmt.headers
                j = len(fields) - 1
                column = names[j] if j < len(names) else f"column {j + 1}"
    except (csv.Error, UnicodeError, OSError):
        pass
    finally:
        csv.field_size_limit(previous)
    return rows + 1, column


def _line_prefix(f: io.TextIOBase) -> str:
    """The start of the current line, up to the first long run without a delimiter."""
    text = f.read(MAX_FIELD_CHARS + 1)
    return text.split("\n", 1)[0]


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text with line endings untouched (the CSV parser handles them); bytes
    invalid in ``encoding`` read as U+FFFD (the scan counted them, the report names their rows)."""
    return open(path, encoding=encoding, errors="replace", newline="")


def _read_head(path: Path, encoding: str, name: str) -> str:
    with open_text(path, encoding) as f:
        head = f.read(_HEAD_CHARS)
    if "\x00" in head:
        raise InputError(f"File '{name}' is not a text CSV file (it contains binary data).")
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
    # Keep line ends so the character offsets are exact (a cut head ends in a whole line, its
    # "\n" included: the partial line after it was dropped).
    if truncated:
        keep = [line + "\n" for line in lines]
    else:
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
