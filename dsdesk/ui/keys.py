"""Keys handled inside one widget (the file tree, Review, the prompt, the transcript), declared
once: the widgets match key presses against these specs and the F1 list shows them, so what F1
says is what the code does. Window-wide shortcuts are ActionSpecs in ``window_actions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

_TEXT_MODS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    keys: tuple[str, ...]  # portable key texts, e.g. ("J", "N") or ("Shift+A",); () = info only
    text: str
    where: str
    label: str = ""  # how F1 writes the keys when the key texts would not say it well

    def key_text(self) -> str:
        if self.label:
            return self.label
        return " / ".join(_written(k) for k in self.keys)

    def matches(self, event: QKeyEvent) -> bool:
        return event_key(event) in {QKeySequence(k).toString() for k in self.keys}


def _written(key: str) -> str:
    """How a key reads to a person: a bare letter as typed ("j"), Shift+A as "A"."""
    if len(key) == 1 and key.isalpha():
        return key.lower()
    if key.startswith("Shift+") and len(key) == 7 and key[-1].isalpha():
        return key[-1].upper()
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def key_help(specs: list[KeySpec]) -> str:
    """One line of "keys what" pairs, for a widget's own help label."""
    return " · ".join(f"{s.key_text()} {s.text[0].lower()}{s.text[1:]}" for s in specs)


def event_key(event: QKeyEvent) -> str:
    """The portable text of a key press: "J", "Shift+A", "Ctrl+Z", "Return".

    A printed letter is read from its text, so Caps Lock and keyboards that send "A" without
    Shift still mean Shift+A; the keypad's Enter is the same key as the main one."""
    text = event.text()
    if len(text) == 1 and text.isalpha() and not event.modifiers() & _TEXT_MODS:
        return f"Shift+{text}" if text.isupper() else text.upper()
    combo = event.keyCombination()
    mods = combo.keyboardModifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return QKeySequence(QKeyCombination(mods, combo.key())).toString()


TREE = "File tree"
TREE_OPEN = KeySpec(
    "tree_open", ("Return", "Enter"), "Open the file; expand or collapse the folder", TREE, "Enter"
)
TREE_CONTEXT = KeySpec(
    "tree_context", ("Space",), "Put the file or folder in or out of the context", TREE
)
TREE_KEYS = [
    TREE_OPEN,
    TREE_CONTEXT,
    KeySpec("tree_move", (), "Move; collapse / expand a folder", TREE, "Arrows, Left / Right"),
    KeySpec("tree_find", (), "Jump to the first name starting with what you type", TREE, "Letters"),
]

REVIEW = "Review"
REVIEW_NEXT = KeySpec("review_next", ("J", "N"), "Next hunk", REVIEW)
REVIEW_PREV = KeySpec("review_prev", ("K", "P"), "Previous hunk", REVIEW)
REVIEW_ACCEPT = KeySpec("review_accept", ("A",), "Accept the hunk", REVIEW)
REVIEW_REJECT = KeySpec("review_reject", ("R",), "Reject the hunk", REVIEW)
REVIEW_ACCEPT_FILE = KeySpec("review_accept_file", ("Shift+A",), "Accept the whole file", REVIEW)
REVIEW_REJECT_FILE = KeySpec("review_reject_file", ("Shift+R",), "Reject the whole file", REVIEW)
REVIEW_APPLY = KeySpec(
    "review_apply", ("Return", "Enter"), "Apply the accepted hunks", REVIEW, "Enter"
)
REVIEW_UNDO = KeySpec("review_undo", ("Ctrl+Z",), "Undo the last applied change set", REVIEW)
REVIEW_CLOSE = KeySpec("review_close", ("Esc",), "Close Review", REVIEW)
REVIEW_KEYS = [
    REVIEW_NEXT,
    REVIEW_PREV,
    REVIEW_ACCEPT,
    REVIEW_REJECT,
    REVIEW_ACCEPT_FILE,
    REVIEW_REJECT_FILE,
    REVIEW_APPLY,
    REVIEW_UNDO,
    REVIEW_CLOSE,
]

# Esc in the preview: the window's Esc action (stop) closes the preview when it has the focus.
PREVIEW_CLOSE = KeySpec("preview_close", ("Esc",), "Close the preview", "Preview")
# Keys of the prompt and the transcript; their widgets handle them (listed here for F1).
OTHER_KEYS = [
    PREVIEW_CLOSE,
    KeySpec("prompt_send", ("Return",), "Send the prompt", "Prompt"),
    KeySpec("prompt_newline", ("Shift+Return",), "New line in the prompt", "Prompt"),
    KeySpec(
        "prompt_recall", (), "Recall earlier prompts (in an empty prompt)", "Prompt", "Up / Down"
    ),
    KeySpec("prompt_mention", (), "Attach a file or folder by name", "Prompt", "@"),
    KeySpec("transcript_fold", (), "Expand or collapse reasoning", "Transcript", "Space / Enter"),
]

WIDGET_KEYS = TREE_KEYS + REVIEW_KEYS + OTHER_KEYS
