""" "@" in the prompt: fuzzy completion of project files and folders; accepting one attaches it
to the context and completes the mention in place ("Look at @core/edits_parse.py "), so the
sentence still says which file it means."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QPlainTextEdit

MAX_SHOWN = 50


def fuzzy_rank(query: str, candidates: list[str], limit: int = MAX_SHOWN) -> list[str]:
    """Candidates containing the query's characters in order, best first: contiguous matches
    and matches in the file name beat scattered ones; shorter paths break ties."""
    q = query.lower()
    scored: list[tuple[int, int, str]] = []
    for cand in candidates:
        c = cand.lower()
        pos, score, last = 0, 0, -2
        for ch in q:
            found = c.find(ch, pos)
            if found < 0:
                break
            score += 3 if found == last + 1 else 1
            last, pos = found, found + 1
        else:
            name_start = c.rfind("/") + 1
            if q and q in c[name_start:]:
                score += 10
            scored.append((-score, len(cand), cand))
    scored.sort()
    return [c for _s, _l, c in scored[:limit]]


class MentionCompleter(QObject):
    sig_attach = Signal(str)
    """(rel path) the user picked this file or folder."""

    def __init__(self, edit: QPlainTextEdit, candidates: Callable[[], list[str]]) -> None:
        super().__init__(edit)
        self._edit = edit
        self._candidates = candidates
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.activated[str].connect(  # type: ignore[index]
            self._on_completer_activated
        )
        edit.textChanged.connect(self._on_edit_text_changed)

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter always has one once it has a model
        return popup

    def popup_visible(self) -> bool:
        return self._popup().isVisible()

    def _query(self) -> tuple[int, str] | None:
        """(position of the "@", text typed after it) when the cursor is in a mention."""
        cursor = self._edit.textCursor()
        block = cursor.block().text()[: cursor.positionInBlock()]
        at = block.rfind("@")
        if at < 0 or (at > 0 and not block[at - 1].isspace()):
            return None
        query = block[at + 1 :]
        if any(ch.isspace() for ch in query):
            return None
        return cursor.block().position() + at, query

    def _on_edit_text_changed(self) -> None:
        q = self._query()
        if q is None:
            self._popup().hide()
            return
        matches = fuzzy_rank(q[1], self._candidates())
        if not matches:
            self._popup().hide()
            return
        self._model.setStringList(matches)
        rect = self._edit.cursorRect()
        rect.setWidth(420)
        self.completer.complete(rect)
        self._popup().setCurrentIndex(self._model.index(0))

    def _on_completer_activated(self, rel: str) -> None:
        q = self._query()
        if q is not None:
            cursor = self._edit.textCursor()
            cursor.setPosition(q[0])
            cursor.setPosition(q[0] + 1 + len(q[1]), cursor.MoveMode.KeepAnchor)
            # The trailing space ends the mention, so the popup does not reopen on it.
            cursor.insertText(f"@{rel} ")
            self._edit.setTextCursor(cursor)
        self._popup().hide()
        self.sig_attach.emit(rel)
