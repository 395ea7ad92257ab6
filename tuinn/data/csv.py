"""CSV files as Datasets: `load_csv(path, target, header, delimiter)`.

Three readers, fastest first: tuinn's C number parser (tuinn._csv) for files
of plain numbers, numpy's loadtxt for class-name targets, and a careful scan
that finds the first bad cell and names its line and column.
"""

import codecs
import csv
import math
import mmap
import os
import re
import warnings

import numpy as np

from tuinn._csv import ffi, lib
from tuinn.data.dataset import Dataset, codes_to_targets
from tuinn.errors import ConfigError, DataError
from tuinn.inputs import MAX_CSV_BYTES, regular_file

# ---------------------------------------------------------------- CSV files

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_DELIMITER_ALIASES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
_HEAD_LINES = 50
_INT_RE = re.compile(r"-?\d+")


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _cells(text, delimiter, where="a line"):
    try:
        return [c.strip() for c in next(csv.reader([text], delimiter=delimiter, quotechar='"'),
                                        [])]
    except csv.Error as exc:
        # A cell beyond the csv module's limit (128 KiB): no table of numbers has one.
        raise DataError(f"{where}: {exc}; is it a CSV file of numbers?") from None


def _bad_line(path):
    """The number of the first line that is not UTF-8 (a text stream decodes ahead
    of the line it hands out, so its error cannot say)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return "unknown"


def _read_head(path, label):
    """The first non-blank lines as (line number, text)."""
    head = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    head.append((number, line.rstrip("\r\n")))
                    if len(head) >= _HEAD_LINES:
                        break
    except UnicodeDecodeError:
        raise DataError(f"{label} is not UTF-8 text (line {_bad_line(path)})") from None
    except OSError as exc:
        raise DataError(f"{label}: cannot read it ({exc.strerror or exc})") from None
    return head


def _sniff(head, label):
    best = None
    for rank, d in enumerate(("\t", ";", ",")):
        try:
            counts = [len(_cells(text, d, f"{label} line {n}")) for n, text in head]
        except DataError:
            continue        # a cell too long for the csv module: not this delimiter
        mode = max(set(counts), key=lambda c: (counts.count(c), c))
        if mode > 1:
            key = (counts.count(mode) / len(counts), -rank)
            if best is None or key > best[0]:
                best = (key, d)
    return None if best is None else best[1]


def _numberish(text):
    """A number, also with a decimal comma: such a cell is data, not a column name."""
    return is_number(text) or is_number(text.replace(",", "."))


def _detect_header(rows):
    """A header: a first row without numbers, over at least one column of numbers.

    A first row that mixes numbers and text is data with a typo, not a header.
    """
    first = rows[0][1]
    rest = [cells for _, cells in rows[1:]]
    if any(_numberish(c) for c in first) or not any(first):
        return False
    if not rest:
        return True
    for j, cell in enumerate(first):
        if cell == "" or _numberish(cell):
            continue
        column = [r[j] for r in rest if j < len(r) and r[j] != ""]
        if column and all(_numberish(v) for v in column):
            return True
    return False


def _resolve_targets(target, names, has_header, label):
    ncols = len(names)
    specs = list(target) if isinstance(target, (list, tuple)) else [target]
    if target is None:
        return [ncols - 1]
    if not specs:
        raise ConfigError(f"{label}: the list of target columns is empty")
    out = []
    for t in specs:
        if isinstance(t, str) and t not in names and _INT_RE.fullmatch(t.strip()):
            t = int(t)
        if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
            if not -ncols <= t < ncols:
                raise DataError(f"{label}: target column index {t} is out of range; the file has "
                                f"{ncols} columns (0..{ncols - 1}, or -{ncols}..-1 from the end)")
            j = int(t) % ncols
        elif isinstance(t, str):
            matches = [j for j, n in enumerate(names) if n == t]
            if not matches:
                if has_header:
                    raise DataError(f"{label} has no column {t!r}; its columns are: "
                                    + ", ".join(repr(n) for n in names))
                raise DataError(f"{label} has no header line, so no column named {t!r}: give "
                                f"the target as a 0-based column index (0..{ncols - 1}, "
                                "-1 for the last)")
            if len(matches) > 1:
                raise DataError(f"{label}: {len(matches)} columns are named {t!r}; give the "
                                "target as a 0-based column index instead")
            j = matches[0]
        else:
            raise ConfigError(f"{label}: a target is a column name, a 0-based index or a list "
                              f"of them, got {t!r}")
        if j in out:
            raise DataError(f"{label}: column {names[j]!r} is given twice as a target")
        out.append(j)
    if len(out) == ncols:
        raise DataError(f"{label}: every column is a target; at least one input column is needed")
    return out


def _loadtxt(source, delimiter, skip, converters):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # "input contained no data"
        return np.loadtxt(source, dtype=np.float64, delimiter=delimiter, skiprows=skip, ndmin=2,
                          comments=None, quotechar='"', encoding="utf-8-sig",
                          converters=converters or None)


def _label_converter(table):
    def convert(text):
        text = text.strip()
        if not text:
            raise ValueError("empty cell")
        code = table.get(text)
        if code is None:
            code = table[text] = len(table)
        return code
    return convert


class _CsvReader:
    """One file's layout, the numeric load and its careful fallback."""

    CHUNK = 50_000

    def __init__(self, path, label, delimiter, header_line, names, has_header, header_hint,
                 categorical):
        self.path, self.label, self.delimiter = path, label, delimiter
        self.header_line, self.names, self.has_header = header_line, names, has_header
        self.header_hint, self.ncols = header_hint, len(names)
        self.tables = {j: {} for j in categorical}       # label -> code, in order of appearance
        self.converters = {j: _label_converter(t) for j, t in self.tables.items()}
        self.first_line = None

    # messages
    def column(self, j):
        if self.has_header:
            return f"column {self.names[j]!r}"
        return f"column {j + 1} (index {j})"

    def cell_error(self, line, j, text, problem):
        hint = ""
        if "," in text and is_number(text.replace(",", ".")):
            hint = " (write decimals with a point, not a comma)"
        elif line == self.first_line and self.header_hint:
            hint = " (if this line holds column names, set header to true)"
        return DataError(f"{self.label} line {line}, {self.column(j)}: {text!r} {problem}{hint}")

    # loading
    def load(self):
        """(rows, ncols) float64; a class-name column holds codes of self.tables."""
        if not self.converters:
            values = self._load_numeric_fast()
            if values is not None and len(values):
                return values
        try:
            values = _loadtxt(self.path, self.delimiter, self.header_line, self.converters)
            if values.shape[0] and values.shape[1] == self.ncols and np.isfinite(values).all():
                return values
        except ValueError:
            pass
        for table in self.tables.values():
            table.clear()
        return self._load_in_chunks()

    def _load_numeric_fast(self):
        """An all-numeric file through the C parser, or None (then the slower
        paths load it, or find and name what is wrong).  The file is mapped,
        not read: its text never takes memory of its own."""
        if self.delimiter is None or len(self.delimiter) != 1:
            return None
        with open(self.path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return None
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as text:
                start = len(codecs.BOM_UTF8) if text[:3] == codecs.BOM_UTF8 else 0
                start = line_start(text, self.header_line, start)
                if start is None:
                    return None
                return parse_numbers(text, self.delimiter, self.ncols, start)

    def _chunks(self):
        chunk, number = [], self.header_line
        try:
            with open(self.path, encoding="utf-8-sig", newline="") as f:
                for number, line in enumerate(f, 1):
                    if number <= self.header_line or not line.strip():
                        continue
                    if self.first_line is None:
                        self.first_line = number
                    chunk.append((number, line.rstrip("\r\n")))
                    if len(chunk) >= self.CHUNK:
                        yield chunk
                        chunk = []
        except UnicodeDecodeError:
            raise DataError(f"{self.label} is not UTF-8 text (line "
                            f"{_bad_line(self.path)})") from None
        if chunk:
            yield chunk

    def _load_in_chunks(self):
        blocks = []
        for chunk in self._chunks():
            try:
                block = _loadtxt([text for _, text in chunk], self.delimiter, 0, self.converters)
                if block.shape != (len(chunk), self.ncols) or not np.isfinite(block).all():
                    block = None
            except ValueError:
                block = None
            if block is None:
                block = self._scan(chunk)       # raises on the first bad cell
            blocks.append(block)
        if not blocks:
            raise DataError(f"{self.label} has a header line but no data rows")
        return np.vstack(blocks)

    def _scan(self, chunk):
        """Cell by cell: the first bad cell as a DataError, else the rows numpy would not take."""
        rows = []
        for line, text in chunk:
            cells = _cells(text, self.delimiter, f"{self.label} line {line}")
            if len(cells) != self.ncols:
                shape_of = "the header has" if self.has_header else "the first line has"
                raise DataError(f"{self.label} line {line}: {len(cells)} cells, but {shape_of} "
                                f"{self.ncols}")
            row = []
            for j, cell in enumerate(cells):
                if not cell:
                    raise DataError(f"{self.label} line {line}, {self.column(j)}: the cell is "
                                    "empty (a missing value)")
                if j in self.converters:
                    row.append(self.converters[j](cell))
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    raise self.cell_error(line, j, cell, "is not a number") from None
                if not math.isfinite(value):
                    raise self.cell_error(line, j, cell, "is not a finite number")
                row.append(value)
            rows.append(row)
        return np.array(rows, dtype=np.float64)

    def check_labels(self, values, j):
        """A class-name column must not mix in numbers: name the first odd cell's line."""
        keys = list(self.tables[j])
        numeric = np.array([is_number(k) for k in keys])
        if not numeric.any():
            return
        counts = np.bincount(values[:, j].astype(np.intp), minlength=len(keys))
        odd_numbers = counts[numeric].sum() * 2 < counts.sum()
        odd = {k for k, num in zip(keys, numeric) if num == odd_numbers}
        for line, text in (item for chunk in self._chunks() for item in chunk):
            cells = _cells(text, self.delimiter, f"{self.label} line {line}")
            if len(cells) > j and cells[j] in odd:
                if odd_numbers:
                    raise self.cell_error(line, j, cells[j], "is a number, but the other cells "
                                          "of this target column are class names")
                raise self.cell_error(line, j, cells[j], "is not a number, but most cells of "
                                      "this target column are")


def line_start(text, lines, start=0):
    """Where line `lines` + 1 of text[start:] begins, lines ending as Python
    reads text ("\n", "\r\n" or a lone "\r"), or None past the end."""
    for _ in range(lines):
        ends = [i for i in (text.find(b"\n", start), text.find(b"\r", start)) if i >= 0]
        if not ends:
            return None
        end = min(ends)
        start = end + 1 + (text[end:end + 2] == b"\r\n")
    return start


def parse_numbers(text, delimiter, n_cols, start=0):
    """The rows of text[start:] (bytes-like: lines of n_cols plain numbers) as an
    (n, n_cols) float64 array, or None when any cell or line is not that."""
    if not isinstance(delimiter, str) or len(delimiter) != 1 or not delimiter.isascii() \
            or delimiter in "\r\n":
        raise ConfigError(f"parse_numbers: the delimiter is one ASCII character other than "
                          f"a line end, got {delimiter!r}")
    try:
        raw = memoryview(text)
    except TypeError:
        raise ConfigError(f"parse_numbers: text is bytes (or another contiguous buffer), "
                          f"got {type(text).__name__}") from None
    # Released on the way out: a mapped file cannot close while a view is open.
    with raw, raw.cast("B") as view:
        for name, value, low, high in (("n_cols", n_cols, 1, 2**31 - 1),
                                       ("start", start, 0, len(view))):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or not low <= value <= high:
                raise ConfigError(f"parse_numbers: {name} is a whole number from {low} to "
                                  f"{high}, got {value!r}")
        start, n_cols = int(start), int(n_cols)
        size = len(view) - start
        # A row takes at least 2 * n_cols - 1 bytes: the buffer never asks for
        # more rows than the text can hold, whatever its count of blank lines.
        max_rows = min(_line_ends(view, start) + 1, size // (2 * n_cols - 1) + 1)
        out = np.empty((max_rows, n_cols))
        rows = ffi.new("int64_t *")
        with ffi.from_buffer(view) as buffer:
            status = lib.csv_parse_numbers(buffer + start, size, delimiter.encode(), n_cols,
                                           ffi.from_buffer("double[]", out), max_rows, rows)
    if status == lib.CSV_EPARSE:
        return None
    if status != lib.CSV_OK:
        raise RuntimeError(f"tuinn CSV parser: status {status}")
    return out[:rows[0]]


def _line_ends(view, start, block=1 << 24):
    """How many lines of view[start:] end ("\n", "\r\n" or "\r"), or a few more
    (a "\r\n" across two blocks counts twice): read a block at a time, so a
    mapped file is never copied whole."""
    count = 0
    for at in range(start, len(view), block):
        part = bytes(view[at:at + block])
        count += part.count(b"\n") + part.count(b"\r") - part.count(b"\r\n")
    return count


def _check_delimiter(delimiter):
    if delimiter is None:
        return None
    if isinstance(delimiter, str):
        d = _DELIMITER_ALIASES.get(delimiter.lower(), delimiter)
        if len(d) == 1 and d not in "\"\r\n" and not d.isalnum():
            return d
    raise ConfigError(f"delimiter must be one character (',', ';', tab) or comma, semicolon, "
                      f"tab; got {delimiter!r}")


def _layout(path, header, delimiter, min_columns=2):
    """(label, delimiter, first rows, has_header, column names, header line) of a
    CSV file, after the checks every reader of user CSVs shares."""
    label = os.fspath(path)
    if not isinstance(label, str):
        label = os.fsdecode(label)
    if header not in (None, True, False):
        raise ConfigError(f"{label}: header must be true, false or left out, got {header!r}")
    delimiter = _check_delimiter(delimiter)
    regular_file(path, "CSV file", MAX_CSV_BYTES)
    head = _read_head(label, label)
    if not head:
        raise DataError(f"{label} is empty")
    if delimiter is None:
        delimiter = _sniff(head, label)
        if delimiter is None and min_columns > 1:
            raise DataError(f"{label} has only one column (no comma, semicolon or tab "
                            "between cells): it needs input columns and a target column")
        delimiter = delimiter or ","
    rows = [(number, _cells(text, delimiter, f"{label} line {number}")) for number, text in head]
    ncols = len(rows[0][1])
    if ncols < min_columns:
        raise DataError(f"{label} has only one column with delimiter "
                        f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}: it needs input "
                        "columns and a target column")
    has_header = _detect_header(rows) if header is None else header
    if has_header:
        names = [c if c else f"column {j + 1}" for j, c in enumerate(rows[0][1])]
        header_line = rows[0][0]
        if len(rows) == 1:
            raise DataError(f"{label} has a header line but no data rows")
    else:
        names = [f"column {j + 1}" for j in range(ncols)]
        header_line = 0
    return label, delimiter, rows, has_header, names, header_line


def _text_columns(rows, columns, has_header):
    """The columns among `columns` whose first rows hold a cell that is not a number."""
    sample = rows[1:] if has_header else rows
    return [j for j in columns
            if any(j < len(r) and r[j] != "" and not is_number(r[j]) for _, r in sample)]


def load_inputs(path, feature_names, n_targets):
    """The input columns of a CSV for a trained run, read as load_csv reads (the same
    checks and messages): by name when the file has a header (other columns, the
    targets among them, are ignored), else by position: only the inputs, or
    every column of a headerless training file at its own positions."""
    label, delimiter, rows, has_header, names, header_line = _layout(path, None, None, 1)
    features = list(feature_names)
    if has_header:
        missing = [n for n in features if n not in names]
        if missing:
            raise DataError(f"{label}: no column {missing[0]!r}; the run was trained on "
                            f"columns {', '.join(features)}")
        columns = [names.index(n) for n in features]
    elif len(names) == len(features):
        columns = list(range(len(features)))
    else:
        # The training file's own positions, which its column names keep when
        # it had no header ("column 3"); never a guess at where its target stood.
        positions = [re.fullmatch(r"column (\d+)", n) for n in features]
        if not all(positions) or len(names) != len(features) + n_targets:
            raise DataError(f"{label}: {len(names)} columns and no header line, but the run "
                            f"was trained on {len(features)} inputs ({', '.join(features)}): "
                            "give a header line that names them, or only the input columns, "
                            "in that order")
        columns = [int(p.group(1)) - 1 for p in positions]
    others = [j for j in range(len(names)) if j not in columns]
    reader = _CsvReader(label, label, delimiter, header_line, names, has_header, False,
                        _text_columns(rows, others, has_header))
    return reader.load()[:, columns]


def load_csv(path, target=None, header=None, delimiter=None):
    """A CSV file as a Dataset without a test set (use `split` for one).

    header: None detects it (a first row with a non-numeric cell over numbers
    is a header), True / False force it.  delimiter: None sniffs comma,
    semicolon or tab; or give one character (or "comma", "semicolon", "tab").
    target: a column name, a 0-based index (negative from the end) or a list
    of them; default the last column.  Inputs must be numbers.  A numeric
    target is regression; a target of class names is classification (classes
    sorted; 2 classes -> one 0/1 column, more -> one-hot) and must be the only
    target.  Empty cells, text in an input column, ragged rows, NaN / inf are
    DataErrors naming the 1-based line and the column.
    """
    label, delimiter, rows, has_header, names, header_line = _layout(path, header, delimiter)
    targets = _resolve_targets(target, names, has_header, label)
    inputs = [j for j in range(len(names)) if j not in targets]
    # A target column is of class names when any of its first rows is not a number.
    categorical = _text_columns(rows, targets, has_header)
    if categorical and len(targets) > 1:
        raise DataError(f"{label}: column {names[categorical[0]]!r} holds class names, so it must "
                        "be the only target")
    reader = _CsvReader(label, label, delimiter, header_line, names, has_header,
                        header is None and not has_header, categorical)
    values = reader.load()
    name = os.path.basename(label)
    X = values[:, inputs]
    described = f"{name}: {values.shape[0]} rows from a CSV file"
    if not categorical:
        return Dataset(X=X, Y=values[:, targets], feature_names=[names[j] for j in inputs],
                       target_names=[names[j] for j in targets], name=name,
                       description=described)
    j = categorical[0]
    reader.check_labels(values, j)
    Y, classes, task, target_names = codes_to_targets(values[:, j], list(reader.tables[j]),
                                                       names[j], label)
    return Dataset(X=X, Y=Y, feature_names=[names[k] for k in inputs], target_names=target_names,
                   classes=classes, task=task, name=name, description=described)
