"""`tuinn help`: the documents of docs/, which travel with the program.

A wheel carries them as tuinn/docs (setup.py copies them there); a checkout
installed for editing reads docs/ beside the package.  What the app and the
messages cite is `tuinn help TOPIC` or `tuinn help TOPIC#SECTION`, never a
path the user may not have.
"""

import pathlib
import re

from tuinn.errors import TuinnError

_HERE = pathlib.Path(__file__).resolve().parent
HEADING = re.compile(r"^(#{1,6}) (.+)$")


def _folder():
    installed = _HERE / "docs"
    return installed if installed.is_dir() else _HERE.parent / "docs"


def topics():
    """{topic: its title}, from each document's first heading."""
    found = {}
    for path in sorted(_folder().glob("*.md")):
        first = next((HEADING.match(line) for line in path.read_text(encoding="utf-8")
                      .splitlines() if HEADING.match(line)), None)
        found[path.stem] = first.group(2) if first else path.stem
    return found


def slug(heading):
    """A heading's anchor, as GitHub makes it: lower case, punctuation
    dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def cite(topic, section=None):
    """How a message points at a document: the command that prints it."""
    return f"`tuinn help {topic}{'#' + slug(section) if section else ''}`"


def text(name):
    """The document `name` (TOPIC or TOPIC#SECTION); TuinnError naming the
    topics or the sections when there is no such one."""
    topic, _, section = name.partition("#")
    known = topics()
    if topic not in known:
        raise TuinnError(f"no help topic {topic!r}; choose from {', '.join(known)}")
    lines = (_folder() / f"{topic}.md").read_text(encoding="utf-8").splitlines()
    if not section:
        return "\n".join(lines)
    headings = [(i, len(m.group(1)), slug(m.group(2)))
                for i, m in ((i, HEADING.match(line)) for i, line in enumerate(lines))
                if m and not _in_code(lines, i)]
    for n, (start, level, anchor) in enumerate(headings):
        if anchor == section:
            end = next((i for i, lv, _ in headings[n + 1:] if lv <= level), len(lines))
            return "\n".join(lines[start:end]).rstrip()
    raise TuinnError(f"{topic} has no section {section!r}; its sections: "
                     f"{', '.join(a for _, lv, a in headings if lv > 1)}")


def _in_code(lines, i):
    """Whether line i lies inside a ``` block (a '# comment' there is no heading)."""
    return sum(line.startswith("```") for line in lines[:i]) % 2 == 1


def listing():
    """Every topic with its title, and how to read one."""
    known = topics()
    width = max(map(len, known), default=0)
    return "\n".join([f"{t:{width}}  {title}" for t, title in known.items()]
                     + ["", "tuinn help TOPIC prints one; tuinn help TOPIC#SECTION one of "
                        "its sections."])
