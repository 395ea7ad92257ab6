"""The package's shape: every module imports under `python -OO` (no docstring
is data), and the import graph, counting the imports inside functions, has no
cycle."""

import ast
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


def imports(name, path, known):
    """The package's modules that `name` imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in out if m in known and m != name}


def test_every_module_imports_under_python_OO():
    names = [n for n in modules() if not n.endswith("__main__")]
    code = "import importlib\nfor n in %r:\n    importlib.import_module(n)\n" % names
    done = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True,
                          cwd=ELSEWHERE, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_import_graph_has_no_cycle():
    known = modules()
    # A module's import of its own package's __init__ is not an arrow back up.
    graph = {name: {m for m in imports(name, path, known) if not name.startswith(m + ".")}
             for name, path in known.items()}
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"
    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
