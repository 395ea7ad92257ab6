"""Modal screens: edit a value, open a run or preset, the list of keys."""

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tuinn import presets


class EditScreen(ModalScreen):
    """Type a new value, or pick one of `choices`; `apply(text)` returns ''
    (done) or the reason it was refused, which is shown in place while the
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
            if self.choices:
                yield OptionList(*[Option(Text(c), id=c) for c in self.choices],
                                 id="edit-choices")
            else:
                yield Input(value=self.value, id="edit-input")
            yield Label(Text(self.hint), id="edit-hint")
            yield Label("", id="edit-error")
            with Horizontal(id="edit-buttons"):
                yield Button("Apply", id="edit-apply", variant="primary")
                yield Button("Cancel", id="edit-cancel")

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
        error = self.apply(text)
        if error:
            self.query_one("#edit-error", Label).update(Text(f"refused: {error}"))
        else:
            self.dismiss(True)

    def action_cancel(self):
        self.dismiss(False)


class PickerScreen(ModalScreen):
    """Choose a preset, or type the path of a run file or a saved run folder.
    `open_run(kind, what)` returns '' (opened) or why not, shown in place while
    the picker stays open."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, has_last, open_run):
        super().__init__()
        self.has_last, self.open_run = has_last, open_run

    def compose(self):
        with Vertical(id="picker-box"):
            yield Label("Open a preset (Enter), or type a run file / saved run folder below",
                        id="picker-title")
            options = [Option(f"{name:<20} {presets.PRESETS[name]['title']}", id=name)
                       for name in presets.names()]
            if self.has_last:
                options.insert(0, Option("(the last run, where it stopped)", id="@last"))
            yield OptionList(*options, id="picker-list")
            yield Input(placeholder="path/to/run.toml or a saved run folder, then Enter",
                        id="picker-path")
            yield Label("", id="picker-error")
            yield Button("Cancel", id="picker-cancel")

    def on_option_list_option_selected(self, event):
        self._try("preset", event.option.id)

    def on_input_submitted(self, event):
        if event.value.strip():
            self._try("path", event.value.strip())

    def _try(self, kind, what):
        error = self.open_run(kind, what)
        if error:
            self.query_one("#picker-error", Label).update(Text(f"cannot open {what}: {error}"))
        else:
            self.dismiss(True)

    def on_button_pressed(self, event):
        self.dismiss(False)

    def action_cancel(self):
        self.dismiss(False)


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
