"""A panel whose text may be taller than the room it has: it takes focus
(tab), arrows, PgUp/PgDn, Home and End move it, and while text lies below the
view, its last line says how much ("3 more lines ↓")."""

from rich.text import Text
from textual.actions import SkipAction
from textual.containers import VerticalScroll
from textual.widgets import Static


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
