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
_QUOTE, _LF, _CR = ord('"'), ord("\n"), ord("\r")


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
    if scan.long_cell is not None:
        raise InputError(_long_cell_message(fmt, scan, start + n_header_rows))
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
    long_cell: _Cell | None  # where a cell longer than MAX_FIELD_CHARS starts; None: none
    unclosed: bool  # that cell opens a quote never closed before the end of the file


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
            if cells.add(block):
                break
            line_feeds += block.count(b"\n")
            last = block[-1:]
            size += len(block)
        if cells.long is not None and not cells.ended:
            # A quoted cell too long: it is one only if its quote closes; else the message is
            # about a quote never closed. The rest of the file is read for that, not hashed.
            while not cells.ended and (block := f.read(_BLOCK)):
                cells.add(block)
            cells.finish()
    if size == 0 and cells.long is None:
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
        long_cell=None
        if cells.long is None
        else _Locator(delimiter, declared).locate(path, cells.long),
        unclosed=cells.unclosed,
    )


@dataclass
class _Cell:
    """Where a cell starts, for a message about it."""

    offset: int  # code units before it (bytes; 2-byte units in UTF-16)
    line: int  # the physical line it starts on
    record: int  # records (rows, header rows included) before its row
    column: int  # 0-based
    record_line: int  # the physical line its row starts on


class _Quotes:
    """Reads a file's code units block by block as the CSV parsers read quotes (pandas' and the
    csv module's state machine, doubled quotes inside quoted cells): which delimiters, "\\n"
    and "\\r" are cell boundaries, i.e. outside quotes.

    A quote opens a quoted cell only at the start of a cell (after a boundary, or at the start
    of the file after its byte order mark), so ``5" screen`` is literal text; inside a quoted
    cell every quote toggles, ``""`` twice. So what a quote does depends only on the run of
    consecutive quotes it is in: whether a boundary is before the run, the run's length and
    whether the run starts inside a quoted cell. An even run changes nothing; an odd one closes
    an open quoted cell, and opens one only after a boundary. That gives the state after every
    run in a few numpy operations per block; a run at a block's end is carried into the next
    block (it may go on there).
    """

    def __init__(self, delimiter: str, encoding: str | None):
        self.order = {"utf-16-le": "<u2", "utf-16-be": ">u2"}.get(encoding or "")
        self.wide = encoding is not None and encoding.startswith("utf-16")
        self.delimiter = ord(delimiter)
        self.started = False  # whether a block was read (the first may start with a BOM)
        self.offset = 0  # code units before the block being read
        self.inside = False  # inside a quoted cell, after the runs of quotes read so far
        self.pending = 0  # length of the run of quotes ending the last block (it may go on)
        self.pending_opens = False  # whether a boundary was before that run
        self.after_boundary = True  # whether the last block ended in a boundary (or none yet)

    def _units(self, block: bytes) -> tuple[np.ndarray, bytes]:
        """The block's code units, and its bytes from the first unit on (after a BOM)."""
        if not self.wide:
            units = np.frombuffer(block, dtype=np.uint8)
            bom = codecs.BOM_UTF8
        else:
            if self.order is None:  # UTF-16 with a byte order mark, which is in the first block
                self.order = "<u2" if block.startswith(codecs.BOM_UTF16_LE) else ">u2"
            units = np.frombuffer(block, dtype=self.order, count=len(block) // 2)
            bom = b"\xff\xfe" if self.order == "<u2" else b"\xfe\xff"
        if not self.started and block.startswith(bom):
            # The byte order mark is before the first cell, not in it.
            skip = len(bom) // (2 if self.wide else 1)
            self.offset = skip
            units, block = units[skip:], block[len(bom) :]
        self.started = True
        return units, block

    def _runs(
        self, units: np.ndarray, block: bytes
    ) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
        """The block's complete runs of quotes (starts, ends) and whether each leaves the
        parser inside a quoted cell, with the state at the block's start; updates the state
        carried to the next block (``after_boundary`` is the caller's)."""
        empty = np.zeros(0, dtype=np.intp)
        inside = self.inside
        n = len(units)
        if not self.wide and not self.pending and b'"' not in block:
            return inside, empty, empty, np.zeros(0, dtype=bool)
        quotes = np.flatnonzero(units == _QUOTE)
        if self.pending:
            lead = 0
            if quotes.size and quotes[0] == 0:
                breaks = np.flatnonzero(np.diff(quotes) != 1)
                lead = int(breaks[0]) + 1 if breaks.size else int(quotes.size)
            if lead == n:  # the whole block is quotes
                self.pending += n
                return inside, empty, empty, np.zeros(0, dtype=bool)
            inside = _inside_after_run(inside, self.pending_opens, self.pending + lead)
            self.pending = 0
            quotes = quotes[lead:]
        if not quotes.size:
            self.inside = inside
            return inside, empty, empty, np.zeros(0, dtype=bool)
        first = np.concatenate(([0], np.flatnonzero(np.diff(quotes) != 1) + 1))
        starts = quotes[first]
        lengths = np.diff(np.append(first, quotes.size))
        d = self.delimiter
        before = units[starts - 1]
        opens = (before == d) | (before == _LF) | (before == _CR)
        if starts[0] == 0:
            opens[0] = self.after_boundary
        if int(starts[-1] + lengths[-1]) == n:  # it may go on in the next block
            self.pending, self.pending_opens = int(lengths[-1]), bool(opens[-1])
            starts, lengths, opens = starts[:-1], lengths[:-1], opens[:-1]
        after = _inside_after_runs(inside, opens, lengths)
        self.inside = bool(after[-1]) if after.size else inside
        return inside, starts, starts + lengths, after


class _CellLengths(_Quotes):
    """Finds, block by block, a cell longer than :data:`MAX_FIELD_CHARS` code units, whatever
    it holds (delimiters and line breaks inside quotes too): the distance between two cell
    boundaries. A block is no longer than that limit, so only a cell across a block's edge can
    exceed it: the first and last boundary of each block are all it needs. The first stop
    byte of a block is its first boundary unless it is inside a quoted cell; then the first
    stop after the run closing that cell is one (the next opening quote has a boundary before
    it). Likewise the last stop, or the one before the quote opening its cell. So a block costs
    a few ``bytes.find`` and, when it holds quotes, the runs of quotes.

    Lengths are in code units, the quotes included: bytes for 8-bit text and UTF-8 (a character
    is one byte or more, so no cell of more characters than the limit passes; one of
    multi-byte characters is refused a little earlier), 2-byte units for UTF-16 (a character
    outside the BMP is two).
    """

    def __init__(self, delimiter: str, encoding: str | None):
        super().__init__(delimiter, encoding)
        self.stop_bytes = [bytes([c]) for c in (self.delimiter, _LF, _CR)]
        self.run = 0  # code units of the open cell so far (since the last boundary)
        self.cell_start = 0  # where the open cell starts (code units)
        self.long: int | None = None  # where the first cell found too long starts
        self.ended = False  # a boundary after that cell was seen
        self.unclosed = False  # that cell is a quote never closed before the end of the file

    def add(self, block: bytes) -> bool:
        """Whether the scan may stop: a cell is too long (and is known to end, or is not quoted).

        Once a quoted cell was found too long, later blocks are only read to see whether its
        quote closes; :meth:`finish` at the end of the file tells."""
        units, data = self._units(block)
        n = len(units)
        first, last = self._first_and_last_boundary(units, data)
        if self.long is not None:
            self.ended = self.ended or first >= 0
            return self.ended
        if first >= 0:
            if self.run + first > MAX_FIELD_CHARS:
                return self._found(ended=True)
            self.cell_start = self.offset + last + 1
            self.run = n - 1 - last
        else:
            self.run += n
        self.offset += n
        if self.run > MAX_FIELD_CHARS:
            # An unquoted cell stays unquoted (a quote in it is literal); a quoted one may be a
            # quote never closed, which the rest of the file tells.
            return self._found(ended=not self.inside)
        return False

    def finish(self) -> None:
        """At the end of the file: whether the long quoted cell was ever closed."""
        if self.long is not None and not self.ended:
            self.unclosed = _inside_after_run(self.inside, self.pending_opens, self.pending)

    def _found(self, ended: bool) -> bool:
        self.long, self.ended = self.cell_start, ended
        return ended

    def _first_and_last_boundary(self, units: np.ndarray, data: bytes) -> tuple[int, int]:
        inside, starts, ends, after = self._runs(units, data)
        n = len(units)
        first = self._stop(units, data, 0, n, last=False)
        if first < 0:
            self.after_boundary = False
            return -1, -1
        last = self._stop(units, data, 0, n, last=True)
        if starts.size:
            closing = np.flatnonzero(~after)  # runs after which the parser is outside quotes
            r = int(np.searchsorted(starts, first)) - 1
            if after[r] if r >= 0 else inside:  # in a quoted cell: after the run closing it
                c = int(np.searchsorted(closing, r + 1))
                first = (
                    self._stop(units, data, int(ends[closing[c]]), n, False)
                    if c < closing.size
                    else -1
                )
            r = int(np.searchsorted(starts, last)) - 1
            if after[r] if r >= 0 else inside:  # in a quoted cell: before the quote opening it
                c = int(np.searchsorted(closing, r)) - 1  # the last run before it, outside
                o = int(starts[closing[c] + 1]) if c >= 0 else (0 if inside else int(starts[0]))
                last = o - 1
        elif inside:
            first = last = -1
        if first < 0 or last < 0:
            first = last = -1
        self.after_boundary = last == n - 1
        return first, last

    def _stop(self, units: np.ndarray, data: bytes, lo: int, hi: int, last: bool) -> int:
        """The first (or last) delimiter, "\\n" or "\\r" in ``[lo, hi)``, quoted or not; -1."""
        if not self.wide:
            if last:
                return max(data.rfind(s, lo, hi) for s in self.stop_bytes)
            found = [i for i in (data.find(s, lo, hi) for s in self.stop_bytes) if i >= 0]
            return min(found) if found else -1
        part = units[lo:hi]
        stop = np.flatnonzero((part == self.delimiter) | (part == _LF) | (part == _CR))
        if not stop.size:
            return -1
        return lo + int(stop[-1] if last else stop[0])


class _Locator(_Quotes):
    """Where a cell starting at a given code unit is: its line, row and column, by reading the
    file up to it again, every boundary this time (only for the message about a long cell)."""

    def locate(self, path: Path, target: int) -> _Cell:
        line = record = column = 0
        record_line = 1
        with open(path, "rb") as f:
            while block := f.read(_BLOCK):
                units, data = self._units(block)
                n = len(units)
                if self.offset + n >= target:  # the cell starts in this block (or right after)
                    units = units[: max(0, target - self.offset)]
                    data = data[: len(units) * (2 if self.wide else 1)]
                    n = len(units)
                inside, starts, _, after = self._runs(units, data)
                d = self.delimiter
                stops = np.flatnonzero((units == d) | (units == _LF) | (units == _CR))
                kind = units[stops]
                lf = stops[kind == _LF]
                if starts.size:
                    at = np.searchsorted(starts, stops) - 1
                    free = ~np.where(at >= 0, after[np.maximum(at, 0)], inside)
                elif inside:
                    free = np.zeros(stops.size, dtype=bool)
                else:
                    free = np.ones(stops.size, dtype=bool)
                stops, kind = stops[free], kind[free]
                newline = np.flatnonzero((kind == _LF) | (kind == _CR))
                record += int(np.count_nonzero(kind == _LF))
                if newline.size:
                    column = stops.size - 1 - int(newline[-1])
                    after_line = int(np.searchsorted(lf, stops[newline[-1]], "right"))
                    record_line = line + after_line + 1
                else:
                    column += stops.size
                line += lf.size
                self.after_boundary = bool(stops.size) and int(stops[-1]) == n - 1
                self.offset += n
                if self.offset >= target:
                    break
        return _Cell(target, line + 1, record, column, record_line)


def _inside_after_run(inside: bool, opens: bool, length: int) -> bool:
    """Whether a run of ``length`` quotes leaves the parser inside a quoted cell."""
    if inside:
        return length % 2 == 0
    return opens and length % 2 == 1


def _inside_after_runs(inside: bool, opens: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`_inside_after_run` along a block's runs, vectorised. An odd run without a
    boundary before it always leaves the parser outside (it closes a quoted cell or is literal);
    the odd runs after a boundary that follow it alternate: open, close, open…"""
    odd = (lengths & 1).astype(bool)
    at = np.flatnonzero(odd)
    after = np.zeros(len(lengths), dtype=bool)
    if at.size:
        opening = opens[at]
        j = np.arange(at.size)
        last_plain = np.maximum.accumulate(np.where(opening, -1, j))
        position = j - last_plain - 1 + ((last_plain < 0) & inside)
        after[at] = opening & (position % 2 == 0)
    k = np.arange(len(lengths))
    last_odd = np.maximum.accumulate(np.where(odd, k, -1))
    return np.where(last_odd >= 0, after[np.maximum(last_odd, 0)], inside)


def _binary_message(name: str, at: int) -> str:
    return (
        f"File '{name}' is not a text CSV file (binary data at byte {at:,}). "
        "Export it from the source tool as CSV."
    )


def _long_cell_message(fmt: FileFormat, scan: _Scan, header_records: int) -> str:
    """The refusal of a file with a cell longer than the limit, or with a quote never closed
    (the rest of the file one cell), naming where that cell starts: its row, the line the row
    starts on and its column, counted by the scan (records end at "\\n" outside quotes);
    a line and byte offset in the header rows."""
    cell = scan.long_cell
    assert cell is not None, "called only when the scan found a long cell"
    row = cell.record - header_records + 1
    if row >= 1:
        names = fmt.headers
        column = names[cell.column] if cell.column < len(names) else f"column {cell.column + 1}"
        where = f"row {row:,} (line {cell.record_line:,})"
        of_cell = f", column '{column}'"
        if cell.line != cell.record_line:
            of_cell += f" (from line {cell.line:,})"
    else:
        where = f"line {cell.line:,}"
        of_cell = f" (byte {cell.offset * (2 if scan.encoding.startswith('utf-16') else 1):,})"
    if scan.unclosed:
        return (
            f"File '{fmt.name}' could not be read as CSV: {where} opens a quote (\") that is "
            "never closed, so the rest of the file would be one cell. Close the quote, or "
            "export the file again."
        )
    return (
        f"File '{fmt.name}', {where}{of_cell}: a cell is longer than {MAX_FIELD_CHARS:,} "
        "characters, the most a cell may hold. Is it a CSV export? If so, shorten that cell or "
        "export without it."
    )


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
