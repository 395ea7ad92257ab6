"""Modal screens: edit a value, open a run or preset, the list of keys."""

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tuinn import presets


class EditScreen(ModalScreen):
    """Type a new value; `apply(text)` returns '' (done) or the reason it was
    refused, which is shown in place while the screen stays open."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title, value, hint, apply):
        super().__init__()
        self.title_text, self.value, self.hint, self.apply = title, value, hint, apply

    def compose(self):
        with Vertical(id="edit-box"):
            yield Label(self.title_text, id="edit-title")
            yield Input(value=self.value, id="edit-input")
            yield Label(self.hint, id="edit-hint")
            yield Label("", id="edit-error")
            with Horizontal(id="edit-buttons"):
                yield Button("Apply", id="edit-apply", variant="primary")
                yield Button("Cancel", id="edit-cancel")

    def on_input_submitted(self, event):
        self._try(event.value)

    def on_button_pressed(self, event):
        if event.button.id == "edit-apply":
            self._try(self.query_one(Input).value)
        else:
            self.dismiss(False)

    def _try(self, text):
        error = self.apply(text)
        if error:
            self.query_one("#edit-error", Label).update(f"refused: {error}")
        else:
            self.dismiss(True)

    def action_cancel(self):
        self.dismiss(False)


class PickerScreen(ModalScreen):
    """Choose a preset, or type the path of a run file or a saved run folder."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, has_last):
        super().__init__()
        self.has_last = has_last

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
        self.dismiss(("preset", event.option.id))

    def on_input_submitted(self, event):
        if event.value.strip():
            self.dismiss(("path", event.value.strip()))

    def on_button_pressed(self, event):
        self.dismiss(None)

    def action_cancel(self):
        self.dismiss(None)

    def refuse(self, message):
        self.query_one("#picker-error", Label).update(message)


class HelpScreen(ModalScreen):
    """Every key of the app, grouped."""

    BINDINGS = [Binding("escape,question_mark,q,enter", "close", "close")]

    def __init__(self, keys):
        super().__init__()
        self.keys = keys

    def compose(self):
        lines = ["tuinn keys   (? q Enter or Esc: close)", ""]
        for group, items in self.keys:
            lines.append(f"[b]{group}[/b]")
            lines += [f"  {key:<12} {what}" for key, what in items]
            lines.append("")
        with Vertical(id="help-box"):
            yield Static("\n".join(lines), id="help-text")

    def action_close(self):
        self.dismiss(None)
