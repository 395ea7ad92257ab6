"""The one gate for every file a user names: a regular file of a sane size.

A FIFO would block the read for ever and /dev/zero would never end; a folder
is not a file.  Each is refused by name, with a one-line DataError, before
anything opens it.
"""

import os
import stat

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
