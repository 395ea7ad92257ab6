"""The gate for the files a user names (tuinn.inputs): pipes, devices, folders
and huge files are refused by name, at once, by every command that reads one."""

import os

import pytest

from conftest import run_tuinn
from tuinn.errors import DataError
from tuinn.inputs import regular_file


def test_a_regular_file_passes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n")
    assert regular_file(path, "CSV file", 100) == str(path)


@pytest.mark.parametrize("make,words", [
    (lambda p: os.mkfifo(p), "is a pipe"),
    (lambda p: p.mkdir(), "is a folder, not a CSV file"),
    (lambda p: None, "no such file"),
    (lambda p: p.write_bytes(b"x" * 200), "has 0 MB; a CSV file may have at most 0 MB"),
])
def test_anything_else_is_named(tmp_path, make, words):
    path = tmp_path / "a.csv"
    make(path)
    with pytest.raises(DataError, match=words):
        regular_file(path, "CSV file", 100)


@pytest.mark.parametrize("args", [("train", "--data", "FIFO", "--target", "y"),
                                  ("train", "--config", "FIFO"),
                                  ("train", "--data", "/dev/zero"),
                                  ("train", "--config", "/dev/zero")])
def test_no_command_blocks_or_reads_for_ever(tmp_path, args):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    done = run_tuinn(*[str(fifo) if a == "FIFO" else a for a in args], timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "a pipe" in done.stderr or "a device" in done.stderr


def test_a_run_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "run.toml"
    path.write_bytes(b'[train]\nlr = 0.1\n# caf\xe9\n')
    done = run_tuinn("train", "--config", str(path))
    assert done.returncode == 2 and "line 3: not UTF-8 text" in done.stderr
