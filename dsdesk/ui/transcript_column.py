"""The transcript's column: its entries in pages of up to ``PAGE`` entries each.

One flat layout of a 500-step agent session has a thousand items, and every change of one
entry's height (an answer streaming, a card's live output) lays out all of them: ~4 ms a pass,
several passes a second. In pages, a change lays out its own page and the column of pages; the
other pages keep their cached sizes and geometry, so a pass costs the same at step 500 as at
step 10. Positions in the column are ``top_of(entry)``: an entry's own ``y()`` is in its page.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtWidgets import QVBoxLayout, QWidget

__all__ = ["EntryColumn"]

SPACING = 18  # between entries, and between pages: one rhythm


class EntryColumn:
    PAGE = 32

    def __init__(self, body: QWidget) -> None:
        self._body = body
        self._outer = QVBoxLayout(body)
        self._outer.setContentsMargins(20, 16, 20, 20)
        self._outer.setSpacing(SPACING)
        self._outer.addStretch(1)
        self._head = 0  # widgets above the pages (the empty transcript's placeholder)
        self._pages: list[QWidget] = []
        self._enabled = True

    # -- contents -------------------------------------------------------------------------------

    def add_header(self, widget: QWidget) -> None:
        """``widget`` above every entry (hidden, it takes no room)."""
        self._outer.insertWidget(0, widget)
        self._head += 1

    def insert(self, index: int, entry: QWidget) -> None:
        """``entry`` at ``index`` among the entries (``len`` of them: at the end)."""
        at = 0
        for p, page in enumerate(self._pages):
            n = _lay(page).count()
            if index <= at + n:
                local = index - at
                if n < self.PAGE or 0 < local < n:
                    _lay(page).insertWidget(local, entry)
                    return
                # a full page grows no further at its ends: a new page before or after it
                _lay(self._new_page(p if local == 0 else p + 1)).addWidget(entry)
                return
            at += n
        _lay(self._new_page(len(self._pages))).addWidget(entry)

    def remove(self, entry: QWidget) -> None:
        page = entry.parentWidget()
        if page is None or page not in self._pages:
            return
        _lay(page).removeWidget(entry)
        if _lay(page).count() == 0:
            self._pages.remove(page)
            self._outer.removeWidget(page)
            page.hide()
            page.deleteLater()

    def replace(self, old: QWidget, new: QWidget) -> None:
        """``new`` where ``old`` was; ``new`` should be a child of ``old``'s page already."""
        page = old.parentWidget()
        assert page is not None and page in self._pages
        _lay(page).replaceWidget(old, new)

    def top_of(self, entry: QWidget) -> int:
        """``entry``'s top in the transcript's body."""
        page = entry.parentWidget()
        return entry.y() + (page.y() if page is not None and page is not self._body else 0)

    def pages(self) -> list[QWidget]:
        return list(self._pages)

    def spans(self) -> Iterator[tuple[int, int, int, int]]:
        """Each page as (its top, its height, index of its first entry, entry count): what
        looks for entries near a place skips whole pages far from it."""
        first = 0
        for page in self._pages:
            n = _lay(page).count()
            yield page.y(), page.height(), first, n
            first += n

    # -- layout ---------------------------------------------------------------------------------

    def activate(self) -> None:
        """Lay out now what changed (pages, then the column), not on the queued request."""
        for page in self._pages:
            _lay(page).activate()
        self._outer.activate()

    def is_enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Disabled, no layout runs on the spot (a widget shown lays out its visible
        ancestors' layouts at once); what changed is laid out on the queued request."""
        self._enabled = enabled
        self._outer.setEnabled(enabled)
        for page in self._pages:
            _lay(page).setEnabled(enabled)

    def _new_page(self, p: int) -> QWidget:
        page = QWidget(self._body)
        page.setObjectName("transcriptPage")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(SPACING)
        lay.setEnabled(self._enabled)
        self._pages.insert(p, page)
        self._outer.insertWidget(self._head + p, page)
        page.show()
        return page


def _lay(page: QWidget) -> QVBoxLayout:
    lay = page.layout()
    assert isinstance(lay, QVBoxLayout)
    return lay
