"""Lessons: a short sequence of steps beside a live run, as docs/lessons.md
describes their files.  A step says what happens, points at a panel, asks
the learner to try one thing, checks that they did it (`did`) and that it
worked (`worked`) by reading the run and its diagnosis, and then explains
what they saw with the run's own numbers.

One concept a module: `loading` reads and checks lesson files, `conditions`
parses and checks a step's conditions, `readings` is what they read of the
app, `tutor` follows a learner through a lesson, and `progress` keeps what
they have done.  The app shows a lesson (tuinn/tui/lesson.py) and names its
panels and keys; `tuinn learn` lists the lessons."""

from tuinn.lessons.loading import Lesson, Step, builtin, find, load
from tuinn.lessons.readings import fill, readings
from tuinn.lessons.tutor import Tutor

__all__ = ["Lesson", "Step", "Tutor", "builtin", "fill", "find", "load", "readings"]
