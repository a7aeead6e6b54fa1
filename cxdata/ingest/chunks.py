"""Reading a sniffed CSV's data rows: in chunks of raw text for the importer, whole for the
smaller app tables.

The importer reads a file twice (:mod:`cxdata.ingest.plan`, then :mod:`cxdata.ingest.writer`),
each time as chunks of raw strings, so memory stays bounded however long the file is. Two
readers give the same chunks: pandas' C parser for anything, and Arrow's multithreaded one,
several times faster, for large plain UTF-8 exports (``tests/test_ingest_fast_read.py`` holds
them to the same results on every test file). :func:`read_raw` and :func:`read_table` reuse
the same reading for CSVs that are not imports (maturity answers, initiatives, ``drivers FILE``).
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxdata.errors import InputError
from cxdata.ingest import values
from cxdata.ingest.sniff import MAX_FIELD_CHARS, FileFormat, open_text, sniff

# Rows may carry a few more fields than the header (trailing delimiters); more are refused.
SPARE_FIELDS = 8
# Smaller files always go through pandas (tests move this to pick the reader).
_FAST_READ_BYTES = 4 << 20
# The bytes of text in each chunk the Arrow reader gives (tests make it smaller).
_ARROW_BLOCK_BYTES = 4 << 20


def unique_names(names: list[str]) -> list[str]:
    """Display names made unique ("Score", "Score (2)"); empty ones named by position."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"Column {i + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


class FastReadFailed(Exception):
    """The Arrow reader could not read this file as it is; the pandas reader will."""


def fast_read_possible(fmt: FileFormat) -> bool:
    """Large plain UTF-8 exports with one header line go through Arrow's multithreaded CSV
    reader (several times faster); anything else, or a file it stumbles on (ragged rows,
    blank lines, bad UTF-8), through pandas."""
    return (
        fmt.layout == "plain"
        and fmt.header_lines == 1
        and fmt.encoding in ("utf-8", "utf-8-sig")
        and not fmt.replaced
        and fmt.size >= _FAST_READ_BYTES
    )


def raw_chunks(
    fmt: FileFormat,
    width: int,
    chunk_rows: int,
    fast: bool = False,
    columns: list[int] | None = None,
) -> Iterator[pd.DataFrame]:
    """Data rows as DataFrames of raw strings ('' for empty), numbered from 0 across chunks.

    ``width``: fields read per row (the header's columns and :data:`SPARE_FIELDS`). ``fast``:
    read with Arrow; raises :class:`FastReadFailed` (possibly after some chunks) when the file
    needs the pandas reader instead. ``columns``: with ``fast``, only these (the Arrow reader
    still checks every field but builds only these columns); the pandas reader always gives all.
    """
    if fast:
        yield from _arrow_chunks(fmt, width, columns)
        return
    with open_text(fmt.path, fmt.encoding) as f:
        f.read(fmt.data_offset)
        try:
            reader = pd.read_csv(
                f,
                sep=fmt.delimiter,
                header=None,
                names=list(range(width)),
                index_col=False,
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                quotechar='"',
                chunksize=chunk_rows,
                engine="c",
            )
            start = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for chunk in reader:
                    chunk.index = pd.RangeIndex(start, start + len(chunk))
                    start += len(chunk)
                    yield chunk.fillna("")
        except pd.errors.EmptyDataError:
            return
        except pd.errors.ParserError as exc:
            quote = re.search(r"EOF inside string starting at row (\d+)", str(exc))
            if quote:
                line = line_of_row(fmt, int(quote.group(1)))
                raise InputError(
                    f"File '{fmt.name}' could not be read as CSV: row {int(quote.group(1)) + 1:,} "
                    f'(line {line:,}) opens a quote (") that is never closed, so the rest of '
                    "the file would be one cell. Close the quote, or export the file again."
                ) from None
            where = re.search(r"line (\d+)", str(exc))
            near = f" near line {int(where.group(1)) + fmt.header_lines}" if where else ""
            raise InputError(
                f"File '{fmt.name}' could not be read as CSV{near}: a row has far more fields "
                f"than the {width - SPARE_FIELDS} columns of the header."
            ) from None
        except UnicodeDecodeError:
            raise InputError(
                f"File '{fmt.name}' mixes text encodings; save it again as UTF-8 CSV."
            ) from None


def line_of_row(fmt: FileFormat, row: int) -> int:
    """The physical line on which data row ``row`` (0-based) starts, by reading the rows before
    it with the csv module (for messages about a broken file, where pandas gives only rows)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(2 * MAX_FIELD_CHARS + 2)
    try:
        with open_text(fmt.path, fmt.encoding) as f:
            f.read(fmt.data_offset)
            reader = csv.reader(f, delimiter=fmt.delimiter)
            for _ in range(row):
                if next(reader, None) is None:
                    break
            return fmt.header_lines + reader.line_num + 1
    except csv.Error:
        return fmt.header_lines + row + 1
    finally:
        csv.field_size_limit(previous)


def _arrow_chunks(
    fmt: FileFormat, width: int, columns: list[int] | None = None
) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = width - SPARE_FIELDS
    names = [str(i) for i in range(n)]
    wanted = list(range(n)) if columns is None else sorted(columns) or [0]  # [] reads all
    reader_options = pacsv.ReadOptions(
        skip_rows=1, column_names=names, block_size=_ARROW_BLOCK_BYTES
    )
    parse_options = pacsv.ParseOptions(
        delimiter=fmt.delimiter,
        quote_char='"',
        double_quote=True,
        newlines_in_values=True,
        ignore_empty_lines=False,
    )
    convert_options = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in names},
        include_columns=[names[j] for j in wanted],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    string = pd.StringDtype("pyarrow")
    start = 0
    try:
        reader = pacsv.open_csv(
            fmt.path,
            read_options=reader_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
        for batch in reader:
            rows = batch.num_rows
            if rows == 0:
                continue
            index = pd.RangeIndex(start, start + rows)
            data = {
                j: pd.Series(pd.arrays.ArrowStringArray(batch.column(k)), index=index, copy=False)
                for k, j in enumerate(wanted)
            }
            if columns is None:
                spare = pd.Series(pd.array([""] * rows, dtype=string), index=index)
                for j in range(n, width):
                    data[j] = spare
            start += rows
            frame = pd.DataFrame(data, copy=False)
            frame.attrs["no_spare"] = True
            yield frame
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise FastReadFailed(str(exc)) from None


def read_path(path: str | os.PathLike) -> Path:
    """A CSV path that exists, or an InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File '{path}' does not exist or is not a file.")
    return path


@dataclass
class RawTable:
    """A CSV's data rows as cleaned text (index: 1-based data row number), blank rows out."""

    fmt: FileFormat
    cells: pd.DataFrame  # columns named by the (unique) headers; NA for missing cells
    blank: int  # rows with every cell empty

    def line_of(self, row: int) -> int:
        """The physical line of a data row (exact when no cell holds a line break)."""
        return self.fmt.header_lines + row


def read_raw(path: str | os.PathLike, file_name: str | None = None) -> RawTable:
    """Any CSV's rows as cleaned text, with the importer's encoding, delimiter, survey-tool
    header and missing-token handling; for the smaller app tables (maturity, initiatives)."""
    fmt = sniff(path, file_name)
    names = unique_names(fmt.headers)
    width = len(names) + SPARE_FIELDS
    chunks = list(raw_chunks(fmt, width, 200_000))
    if not chunks:
        raise InputError(f"File '{fmt.name}' has no data rows.")
    raw = pd.concat(chunks)
    raw.index = raw.index + 1
    empty = (raw == "").all(axis=1)
    raw = raw.loc[~empty]
    overflow = raw.iloc[:, len(names) :].ne("").any(axis=1)
    if overflow.any():
        row = int(overflow.idxmax())
        raise InputError(
            f"File '{fmt.name}', row {row} has more cells than the header has columns."
        )
    cells = pd.DataFrame({name: values.clean(raw[j]) for j, name in enumerate(names)})
    if cells.empty:
        raise InputError(f"File '{fmt.name}' has no data rows.")
    return RawTable(fmt=fmt, cells=cells, blank=int(empty.sum()))


def read_table(path: str | os.PathLike, file_name: str | None = None) -> pd.DataFrame:
    """Any CSV as a plain table (for ``drivers FILE``): encoding, delimiter, survey-tool header
    rows and missing tokens handled as for imports; a column becomes numbers when every
    non-missing cell is a number (decimal commas too) or a label with a leading number such as
    "5 - Very satisfied"; other columns stay text. Duplicate headers are made unique.
    """
    raw = read_raw(path, file_name).cells
    out = {}
    for name in raw.columns:
        cells = raw[name]
        decimal_comma = values.looks_decimal_comma(cells) > 0
        numbers, failed = values.parse_numbers(cells, decimal_comma)
        if cells.notna().any() and not failed.any():
            out[name] = numbers.astype(float)
            continue
        leading = cells.str.extract(r"^\s*(\d+(?:[.,]\d+)?)\s*[-–:=]\s*\D", expand=False)
        if cells.notna().any() and leading[cells.notna()].notna().all():
            out[name] = pd.to_numeric(leading.str.replace(",", "."), errors="coerce")
            continue
        out[name] = cells
    return pd.DataFrame(out).reset_index(drop=True)
