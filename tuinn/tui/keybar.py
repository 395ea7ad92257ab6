"""The key bar at the bottom: Textual's footer, keeping only the keys that fit
whole.  Its own footer cuts the last one mid-word ("f fa" at 100 columns),
which reads as a key that does not exist."""

from textual.widgets import Footer

PADDING = 3         # a space before the key, between key and label, and after


class KeyBar(Footer):
    def compose(self):
        room = self.size.width or self.app.size.width
        for key in super().compose():
            room -= len(key.key_display) + len(key.description) + PADDING
            if room < 0:
                break
            yield key

    def on_resize(self):
        self.call_after_refresh(self.recompose)
