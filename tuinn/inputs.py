"""The one gate for every file a user names: a regular file of a sane size.

A FIFO would block the read for ever and /dev/zero would never end; a folder
is not a file.  Each is refused by name, with a one-line DataError, before
anything opens it.
"""

import math
import os
import stat
import zipfile
import zlib

import numpy as np

from tuinn.errors import DataError

MAX_CSV_BYTES = 8 * 2**30       # about 40 M rows of 20 columns, more than memory holds
MAX_RUN_FILE_BYTES = 64 * 2**20
MAX_STATE_BYTES = 8 * 2**30


def regular_file(path, what, max_bytes):
    """`path` as a str once it is known to be a regular file of at most
    `max_bytes`; else a DataError that says what it is instead."""
    label = os.fsdecode(os.fspath(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{label}: no such file") from None
    except OSError as exc:
        raise DataError(f"{label}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{label} is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = "a pipe" if stat.S_ISFIFO(info.st_mode) else \
            "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else \
            "not a regular file"
        raise DataError(f"{label} is {kind}; tuinn reads a {what} only from a regular file")
    if info.st_size > max_bytes:
        raise DataError(f"{label} has {info.st_size / 2**20:,.0f} MB; a {what} may have at "
                        f"most {max_bytes / 2**20:,.0f} MB")
    return label


def read_npz(path, check, what="an .npz file"):
    """The arrays of an .npz file, each header read and checked before its data
    is: never a pickle, a declared size no larger than what the member holds
    (so a small file never asks for gigabytes), and `check(name, shape, dtype)`,
    which raises a DataError for an array the caller cannot use."""
    headers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                with archive.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    if version not in headers:
                        raise DataError(f"{path}: {name} is in npy format {version}, which "
                                        "numpy does not write by default")
                    shape, _, dtype = headers[version](f)
                    if dtype.hasobject:
                        raise DataError(f"{path} is not {what}: it holds a pickle (Python "
                                        "objects), which tuinn never loads, since loading "
                                        "one can run any code")
                    check(name, shape, dtype)
                if math.prod(shape) * dtype.itemsize > info.file_size:
                    raise DataError(f"{path}: {name} declares {shape} of {dtype}, more than "
                                    "the file holds; the file is damaged")
                with archive.open(info) as f:
                    arrays[name] = np.lib.format.read_array(f, allow_pickle=False)
    except DataError:
        raise
    except zipfile.BadZipFile:
        if zipfile.is_zipfile(path):
            raise DataError(f"{path} is damaged (a bad zip member)") from None
        raise DataError(f"{path} is not {what} (not an npz archive)") from None
    except (OSError, EOFError, ValueError, zlib.error, RecursionError) as exc:
        raise DataError(f"{path} is damaged or cut short "
                        f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                        ) from None
    return arrays


MAX_DEPTH = 32              # nesting of a run, lesson or progress file
MAX_INT = 2**63             # an integer beyond any count or seed tuinn takes


def check_tree(doc, where):
    """A parsed TOML or JSON document, walked without recursion: a DataError for
    nesting deeper than MAX_DEPTH or an integer beyond ±MAX_INT (whose digits
    could not even be printed in a message)."""
    stack = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise DataError(f"{where}: tables or arrays nested more than {MAX_DEPTH} deep")
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict)
                                                   else value))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise DataError(f"{where}: an integer of {value.bit_length():,} bits; tuinn's "
                            "numbers fit in 64")
    return doc


def read_text_tree(path, what, parse, max_bytes=MAX_RUN_FILE_BYTES):
    """A TOML or JSON file (`parse` is tomllib.loads or json.loads) read as a
    tree of plain values, or one DataError line: not a regular file, too large,
    not UTF-8, not valid, nested too deeply, an integer too long."""
    label = regular_file(path, what, max_bytes)
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as exc:
        raise DataError(f"cannot read {what} {label}: {exc.strerror or exc}") from None
    return parse_tree(raw, label, what, parse)


def parse_tree(text, label, what, parse):
    """The text (str, or bytes of UTF-8) of a TOML or JSON document, parsed and
    checked (check_tree)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[:exc.start].count(b"\n") + 1
            raise DataError(f"{label} line {line}: not UTF-8 text; a {what} is text") from None
    # tomllib's memory grows with the square of a dotted key's depth.
    if max((line.partition("=")[0].count(".") for line in text.splitlines()),
           default=0) > MAX_DEPTH:
        raise DataError(f"{label}: a key of more than {MAX_DEPTH} dotted parts; nested too "
                        f"deeply to be a {what}")
    try:
        doc = parse(text)
    except RecursionError:
        raise DataError(f"{label}: nested too deeply to be a {what}") from None
    except ValueError as exc:       # the parser's error, or an integer of > 4,300 digits
        reason = (str(exc).splitlines() or ["unreadable"])[0]
        form = "TOML" if "toml" in getattr(parse, "__module__", "") else "JSON"
        raise DataError(f"{label} is not valid {form}, so not a {what}: {reason}") from None
    return check_tree(doc, label)


def real_array(name, values, fix="give numbers"):
    """`values` as an array of real numbers (bool, int or float), or a DataError
    that says why not: ragged or deeply nested lists, text, objects, integers
    too large for a double, complex numbers.  `fix` ends the message."""
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{name} is not a rectangular array of numbers ({reason}); "
                        f"{fix}") from None
    if arr.dtype.kind not in "biuf":
        kind = {"U": "text", "S": "bytes", "O": "objects (or integers too large for a double)",
                "c": "complex numbers"}.get(arr.dtype.kind, f"dtype {arr.dtype}")
        raise DataError(f"{name} must hold real numbers, but it holds {kind}; {fix}")
    return arr
