"""The package's shape: every module imports under `python -OO` (no docstring
is data)."""

import pathlib
import subprocess
import sys

import tuinn

from conftest import ELSEWHERE

PACKAGE = pathlib.Path(tuinn.__file__).parent


def modules():
    """Every module of the package, by dotted name, with its source file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def test_every_module_imports_under_python_OO():
    names = [n for n in modules() if not n.endswith("__main__")]
    code = "import importlib\nfor n in %r:\n    importlib.import_module(n)\n" % names
    done = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True,
                          cwd=ELSEWHERE, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
