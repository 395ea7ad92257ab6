"""A trainer's status: its state ("new", "done", "diverged") and, after a
blow-up, the epoch that overflowed.

It is also the sentence people and JSON read ("diverged at epoch 193"), so
code reads the fields and nobody parses the words back, except `parse` at the
one boundary where only the words were kept: a saved run's file.
"""

STATES = ("new", "done", "diverged")


class Status(str):
    def __new__(cls, state, epoch=None):
        if state not in STATES:
            raise ValueError(f"a status is one of {', '.join(STATES)}, not {state!r}")
        if (epoch is None) != (state != "diverged"):
            raise ValueError("a diverged status has the epoch it diverged at, and only it")
        self = super().__new__(cls, state if epoch is None else f"{state} at epoch {epoch}")
        self.state, self.epoch = state, epoch
        return self

    @property
    def diverged(self):
        return self.state == "diverged"

    def __reduce__(self):
        return Status, (self.state, self.epoch)

    @classmethod
    def parse(cls, text):
        """The status whose words are `text`; ValueError for any other words."""
        state, at, epoch = str(text).partition(" at epoch ")
        if at and epoch.isdigit():
            return cls(state, int(epoch))
        return cls(state)
