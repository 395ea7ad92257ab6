"""A panel whose text may be taller than the room it has: it takes focus
(tab), arrows, PgUp/PgDn, Home and End move it, and while text lies below the
view, its last line says how much ("3 more lines ↓")."""

from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tuinn.tui import frames
from tuinn.tui.screens import FindingScreen


class ScrollPanel(VerticalScroll):
    """Text that scrolls.  `show(text, lines)` replaces it; `lines` is how many
    lines it takes at the panel's width, so that the layout is redone only when
    that changes (a layout pass per frame would cost more than the frame)."""

    def __init__(self, ascii_only=False, **kwargs):
        super().__init__(**kwargs)
        self.ascii_only = ascii_only
        self._lines = None

    def compose(self):
        yield Static(classes="panel-body")
        yield Static(classes="panel-more")

    def on_mount(self):
        self.watch(self, "scroll_y", lambda: self._mark(), init=False)

    @property
    def text_width(self):
        """The width the text is wrapped to (0 before the first layout)."""
        return self.query_one(".panel-body", Static).content_size.width

    @property
    def lines(self):
        """Lines of the text shown (-1 before the first, or when unknown)."""
        return -1 if self._lines is None else self._lines

    def show(self, text, lines):
        # A last newline would be a line of its own in the count, not on screen.
        text = text.copy()
        text.rstrip()
        relayout = lines != self._lines
        self._lines = lines
        self.query_one(".panel-body", Static).update(text, layout=relayout)
        if relayout:
            self.call_after_refresh(self._mark)
        else:
            self._mark()

    def below(self):
        """Lines of text below the view.  Counted from the text's own length,
        not the layout's, which lags a frame behind the mark's own line."""
        if self._lines is None or self._lines < 0:
            return max(0, round(self.max_scroll_y - self.scroll_y))
        room = self.size.height
        rest = self._lines - round(self.scroll_y)      # lines from the top of the view on
        # What fits in the whole view needs no mark; otherwise the mark takes a line.
        return 0 if rest <= room else rest - (room - 1)

    def _mark(self):
        more = self.query_one(".panel-more", Static)
        below = self.below()
        if below:
            arrow = "v" if self.ascii_only else "↓"
            hint = "↓ / PgDn" if self.has_focus else "tab, then ↓ / PgDn"
            if self.ascii_only:
                hint = hint.replace("↓", "down")
            more.update(Text(f"{below} more line{'s' if below > 1 else ''} {arrow}  ({hint})",
                             style="bold"), layout=False)
        if more.display != bool(below):
            # The mark takes a line of the view, or gives it back: count again.
            more.display = bool(below)
            self.call_after_refresh(self._mark)

    # A page is the text rows in view: while the mark takes the last row, a
    # page of the whole height would skip the line under it.
    def _page(self):
        return max(1, self.size.height - (1 if self.below() else 0))

    def action_page_down(self):
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_to(y=self.scroll_y + self._page(), animate=False)

    def action_page_up(self):
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_to(y=self.scroll_y - self._page(), animate=False)

    # A new height shows more or less of the text: the mark is redone after.
    def on_resize(self):
        self.call_after_refresh(self._mark)

    # Focus is set once the event's handlers have run: the mark is redone after.
    def on_focus(self):
        self.call_after_refresh(self._mark)

    def on_blur(self):
        self.call_after_refresh(self._mark)


def wrapped_lines(text, console, width):
    """Lines `text` (a rich Text) takes when wrapped to `width` columns."""
    if width <= 0:
        return -1
    text = text.copy()
    text.rstrip()
    return len(text.wrap(console, width))


class FindingsPanel(ScrollPanel):
    """The diagnosis: each finding's headline first, then the details.  With
    focus, ↑ and ↓ move a cursor over the headlines (past the first or the
    last, they scroll) and Enter opens the finding under it in full: its
    evidence and advice (FindingScreen)."""

    BINDINGS = [Binding("up", "cursor(-1)", "previous finding", show=False),
                Binding("down", "cursor(1)", "next finding", show=False),
                Binding("enter", "open_finding", "open the finding", show=False)]

    def __init__(self, ascii_only=False, **kwargs):
        super().__init__(ascii_only, **kwargs)
        self.findings = []
        self.cursor = 0
        self._chosen = None         # the code of the finding the user moved to
        self._details = Text()

    def show_findings(self, findings, details):
        """Show `findings` (their headlines) and `details` (a rich Text); the
        cursor stays on the finding the user moved to while it is still there,
        else on the first."""
        self.findings = list(findings)
        codes = [f.code for f in self.findings]
        self.cursor = codes.index(self._chosen) if self._chosen in codes else 0
        self._details = details
        self._redraw()

    def start_over(self):
        """Another run: the cursor on its first finding, the view at the top."""
        self.findings, self.cursor, self._chosen = [], 0, None
        self.scroll_home(animate=False, immediate=True)

    def _redraw(self):
        width = self.text_width
        cursor = self.cursor if self.has_focus else None
        text = frames.headlines(self.findings, width, self.ascii_only, cursor) + self._details
        self.show(text, wrapped_lines(text, self.app.console, width))

    def action_cursor(self, step):
        listed = len(self.findings) >= 2        # headlines are shown for two or more
        target = self.cursor + step
        if not listed or not 0 <= target < len(self.findings):
            self.scroll_to(y=self.scroll_y + step, animate=False)
            return
        self.cursor = target
        self._chosen = self.findings[target].code
        self._redraw()
        if target < self.scroll_y:               # the headline is line `target`
            self.scroll_to(y=target, animate=False)
        elif target >= self.scroll_y + self._page():
            self.scroll_to(y=target - self._page() + 1, animate=False)

    def action_open_finding(self):
        if self.findings:
            self.app.push_screen(FindingScreen(self.findings[self.cursor], self.ascii_only))

    def on_resize(self):
        # The headlines are cut to the width: shown before the first layout
        # (width 0) they were left out until the next diagnosis.
        super().on_resize()
        if self.findings:
            self.call_after_refresh(self._redraw)

    def on_focus(self):
        super().on_focus()
        self._redraw()

    def on_blur(self):
        super().on_blur()
        self._redraw()
