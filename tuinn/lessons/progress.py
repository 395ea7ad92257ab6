"""How far a learner got in each lesson, kept in tuinn's state folder
(lessons.json) so that `tuinn learn` can show it and a lesson resumes at its
first step not done."""

import json

from tuinn.errors import DataError
from tuinn.inputs import read_text_tree
from tuinn.runs.paths import state_dir
from tuinn.runs.spec import atomic_write


def _file():
    return state_dir() / "lessons.json"


def key(lesson):
    """A built-in lesson by its name; a teacher's lesson file by its path."""
    from tuinn.lessons.loading import BUILTIN

    return lesson.name if lesson.path.parent == BUILTIN else str(lesson.path.resolve())


def read():
    """{lesson key: {"steps": n, "done": [step indices]}}; empty when there is
    none yet (or the file is not one tuinn wrote: it is then rewritten)."""
    if not _file().exists():
        return {}
    try:
        doc = read_text_tree(_file(), "progress file", json.loads)
    except DataError:
        return {}
    return doc if isinstance(doc, dict) else {}


def of(lesson):
    """The indices of the lesson's steps done (in an earlier session or this one)."""
    entry = read().get(key(lesson), {})
    done = entry.get("done", []) if isinstance(entry, dict) else []
    return sorted({i for i in done if isinstance(i, int) and 0 <= i < len(lesson.steps)})


def first_open(lesson):
    """Where to start: the first step not done (the start when all are)."""
    done = set(of(lesson))
    return next((i for i in range(len(lesson.steps)) if i not in done), 0)


def mark(lesson, index):
    """Step `index` is done: saved at once.  Returns an error or ''."""
    doc = read()
    doc[key(lesson)] = {"title": lesson.title, "steps": len(lesson.steps),
                        "done": sorted(set(of(lesson)) | {index})}
    return _write(doc)


def reset(lesson):
    """Forget the lesson's progress.  Returns an error or ''."""
    doc = read()
    if doc.pop(key(lesson), None) is None:
        return ""
    return _write(doc)


def _write(doc):
    target = _file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, json.dumps(doc, indent=1))
    except OSError as exc:
        return f"could not keep the lessons' progress in {target}: {exc.strerror or exc}"
    return ""
