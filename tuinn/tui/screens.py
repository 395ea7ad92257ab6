"""Modal screens: edit a value, open a run or preset, the list of keys."""

from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.widgets.selection_list import Selection

from tuinn import presets
from tuinn.errors import TuinnError
from tuinn.tui import frames


ASCII_TICKS = str.maketrans({"▐": "[", "▌": "]"})


class EditScreen(ModalScreen):
    """Type a new value, or pick one of `choices`; `apply(text)` applies it or
    raises the reason it was refused, which is shown in place while the
    screen stays open."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title, value, hint, apply, choices=()):
        super().__init__()
        self.title_text, self.value, self.hint, self.apply = title, value, hint, apply
        self.choices = tuple(choices)

    def compose(self):
        with Vertical(id="edit-box"):
            # Text, not markup: names, paths and messages may hold brackets.
            yield Label(Text(self.title_text), id="edit-title")
            yield self.field()
            yield Label(Text(self.hint), id="edit-hint")
            yield Label("", id="edit-error")
            with Horizontal(id="edit-buttons"):
                yield Button("Apply", id="edit-apply", variant="primary")
                yield Button("Cancel", id="edit-cancel")

    def field(self):
        """What the value is given in: a list of the choices, or a text field."""
        if self.choices:
            return OptionList(*[Option(Text(c), id=c) for c in self.choices], id="edit-choices")
        return Input(value=self.value, id="edit-input")

    def on_mount(self):
        if self.choices:
            picks = self.query_one(OptionList)
            if self.value in self.choices:
                picks.highlighted = self.choices.index(self.value)
            picks.focus()

    def on_input_submitted(self, event):
        self._try(event.value)

    def on_option_list_option_selected(self, event):
        event.stop()
        self._try(event.option.id)

    def on_button_pressed(self, event):
        if event.button.id != "edit-apply":
            self.dismiss(False)
        elif self.choices:
            picks = self.query_one(OptionList)
            if picks.highlighted is not None:
                self._try(self.choices[picks.highlighted])
        else:
            self._try(self.query_one(Input).value)

    def _try(self, text):
        # A refusal stays in the dialog, beside the text typed, to be corrected.
        try:
            self.apply(text)
        except (TuinnError, OSError) as exc:
            self.query_one("#edit-error", Label).update(Text(f"refused: {exc}"))
        else:
            self.dismiss(True)

    def action_cancel(self):
        self.dismiss(False)


class Toggles(SelectionList):
    """A SelectionList whose box is empty when unticked (Textual tells them
    apart by colour alone, lost under NO_COLOR), and [X] under --ascii."""

    def __init__(self, *selections, ascii_only=False, **kwargs):
        super().__init__(*selections, **kwargs)
        self.ascii_only = ascii_only

    def render_line(self, y):
        strip = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if option.value not in self.selected:
            segments[1] = Segment(" ", segments[1].style, segments[1].control)
        if self.ascii_only:
            segments = [Segment(seg.text.translate(ASCII_TICKS), seg.style, seg.control)
                        for seg in segments]
        return Strip(segments, strip.cell_length)


class InputsScreen(EditScreen):
    """Playground's input toggles: each input the net may see (the data's own,
    their squares, products and sines) ticked on or off, space to toggle,
    Enter to apply.  `apply(picked)` applies the ticked terms or raises why
    not, shown in place while the screen stays open (EditScreen's _try)."""

    BINDINGS = [Binding("enter", "apply", "apply", priority=True)]

    def __init__(self, candidates, picked, apply, ascii_only=False):
        """candidates: [(term, label)]; picked: the terms ticked now."""
        super().__init__("The net's inputs, as Playground's toggles", None,
                         "space ticks or unticks, Enter applies (new weights, epoch 0), "
                         "Esc cancels", apply)
        self.candidates, self.picked, self.ascii_only = candidates, set(picked), ascii_only

    def field(self):
        return Toggles(*[Selection(Text(label), i, term in self.picked)
                         for i, (term, label) in enumerate(self.candidates)],
                       ascii_only=self.ascii_only, id="edit-choices")

    def on_mount(self):
        self.query_one(SelectionList).focus()

    def on_button_pressed(self, event):
        if event.button.id == "edit-apply":
            self.action_apply()
        else:
            self.dismiss(False)

    def action_apply(self):
        ticked = sorted(self.query_one(SelectionList).selected)
        self._try([self.candidates[i][0] for i in ticked])


class PickerScreen(ModalScreen):
    """Open a preset, a saved run or a run file.  What is typed filters the list
    (every word must appear in a name or title); Enter opens the one entry left,
    a preset named exactly, or else the text as a path (~ expanded).  Arrows
    move into the list.  `open_run(kind, what)` opens it or raises why not,
    shown in place while the picker stays open."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    RECENT = 20                 # saved runs listed, newest first

    def __init__(self, has_last, open_run, saved=()):
        super().__init__()
        self.has_last, self.open_run = has_last, open_run
        self.entries = self._entries(saved)

    def _entries(self, saved):
        """(kind, what, label) of every choice, in the list's order."""
        out = [("preset", "@last", "(the last run, where it stopped)")] if self.has_last else []
        out += [("path", str(folder), f"saved  {folder.name}") for folder in saved[:self.RECENT]]
        out += [("preset", name, f"{name}  {presets.PRESETS[name]['title']}")
                for name in presets.names()]
        return out

    def compose(self):
        with Vertical(id="picker-box"):
            yield Label("Open a preset or a saved run: type to filter, arrows and Enter to "
                        "open; or type a run file's or a folder's path", id="picker-title")
            yield Input(placeholder="filter, or path/to/run.toml", id="picker-path")
            yield OptionList(id="picker-list")
            yield Label("", id="picker-error")
            yield Button("Cancel", id="picker-cancel")

    def on_mount(self):
        self._filter("")
        self.query_one(Input).focus()

    def matching(self, text):
        words = text.lower().split()
        return [e for e in self.entries if all(w in e[2].lower() for w in words)]

    def _filter(self, text):
        options = self.query_one(OptionList)
        options.clear_options()
        shown = self.matching(text)
        options.add_options([Option(Text(label), id=f"{kind}:{what}")
                             for kind, what, label in shown])
        if not shown:
            options.add_option(Option(Text("(nothing matches: Enter opens the text as a path)"),
                                      disabled=True))
        elif options.highlighted is None:
            options.highlighted = 0

    def on_input_changed(self, event):
        self._filter(event.value)

    def on_key(self, event):
        # Down from the filter moves into the list, as in a search box.
        if event.key == "down" and self.focused is self.query_one(Input):
            self.query_one(OptionList).focus()
            event.stop()

    def on_option_list_option_selected(self, event):
        kind, _, what = event.option.id.partition(":")
        self._try(kind, what)

    def on_input_submitted(self, event):
        text = event.value.strip()
        if not text:
            return
        shown = self.matching(text)
        if text in presets.PRESETS:
            self._try("preset", text)
        elif len(shown) == 1 and not _looks_like_path(text):
            self._try(shown[0][0], shown[0][1])
        else:
            self._try("path", text)

    def _try(self, kind, what):
        try:
            self.open_run(kind, what)
        except (TuinnError, OSError) as exc:
            self.query_one("#picker-error", Label).update(Text(f"cannot open {what}: {exc}"))
        else:
            self.dismiss(True)

    def on_button_pressed(self, event):
        self.dismiss(False)

    def action_cancel(self):
        self.dismiss(False)


def _looks_like_path(text):
    return "/" in text or text.startswith("~") or text.endswith(".toml")


class TextScreen(ModalScreen):
    """A text over the app, in a box that arrows and page keys scroll; `BOX` and
    `TEXT` name the box and the text for styles and tests."""

    BOX = TEXT = ""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def compose(self):
        with VerticalScroll(id=self.BOX):
            yield Static(self.body, id=self.TEXT)

    def on_mount(self):
        self.query_one(f"#{self.BOX}").focus()

    def action_close(self):
        self.dismiss(None)


class HelpScreen(TextScreen):
    """Every key of the app, grouped."""

    BINDINGS = [Binding("escape,question_mark,q,enter", "close", "close")]
    BOX, TEXT = "help-box", "help-text"

    def __init__(self, keys):
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column()
        table.add_row("[b]tuinn keys[/b]", "? q Enter or Esc: close; arrows, PgUp/PgDn: scroll")
        for group, items in keys:
            table.add_row("", "")
            table.add_row(f"[b]{group}[/b]", "")
            for key, what in items:
                table.add_row(f"  {key}", what)
        super().__init__(table)


class NotesScreen(TextScreen):
    """A run's title and notes (a preset's: what to look for, and why it happens)."""

    BINDINGS = [Binding("escape,i,q,enter", "close", "close")]
    BOX, TEXT = "notes-box", "notes-text"

    def __init__(self, name, title, notes):
        text = Text()
        text.append(name, style="bold")
        if title:
            text.append(f": {title}")
        text.append("\n\n")
        text.append(notes or "This run has no notes (a preset's notes say what to look "
                    "for; a run file may have its own notes = \"...\").")
        text.append("\n\ni, q, Enter or Esc: close; arrows, PgUp/PgDn: scroll", style="dim")
        super().__init__(text)


class FindingScreen(TextScreen):
    """One finding of the diagnosis in full: Enter on its headline opens it."""

    BINDINGS = [Binding("escape,q,enter", "close", "close")]
    BOX, TEXT = "notes-box", "notes-text"

    def __init__(self, finding, ascii_only=False):
        text = frames.finding_text(finding, ascii_only)
        text.append("\nq, Enter or Esc: close; arrows, PgUp/PgDn: scroll", style="dim")
        super().__init__(text)


class RepairScreen(TextScreen):
    """The advice tried on copies of the run (y): each fix and its loss before
    and after."""

    BINDINGS = [Binding("escape,Y,q,enter", "close", "close")]
    BOX, TEXT = "notes-box", "notes-text"

    def __init__(self, rows, proven):
        text = Text("Advice tried on copies of the run\n\n", style="bold")
        for attempt in rows:
            text.append(f"{attempt.finding}: ", style="bold")
            text.append(attempt.proof(), style="green" if attempt.adopted else "")
            text.append("  (proven: u adopts it)\n" if attempt.adopted else "\n",
                        style="bold green")
        text.append(f"\nA fix is proven when it lowers the loss its finding is about (the test "
                    f"loss for overfitting) {proven:g} times or more; of those, the one that "
                    "lowers it most.\nY, q, Enter or Esc: close", style="dim")
        super().__init__(text)
