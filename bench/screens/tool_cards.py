"""Screenshot of tool cards in each state, light and dark: run under Xvfb and look at the PNGs.

xvfb-run -a -s "-screen 0 1200x900x24" python bench/screens/tool_cards.py /tmp/cards
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QStyleFactory, QVBoxLayout, QWidget

from dsdesk.agent.events import ToolStatus
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.transcript_style import Theme

DIFF = """--- a/src/app.py
+++ b/src/app.py
@@ -10,7 +10,8 @@ def main() -> None:
     args = parse()
-    run(args)
+    with timer("run"):
+        run(args)
     return 0
"""
OUTPUT = (
    "\x1b[1m============ test session starts ============\x1b[0m\n"
    "platform linux -- Python 3.11.9, pytest-8.3.3\n"
    "collected 42 items\n\n"
    "tests/test_app.py \x1b[32m....................\x1b[0m\x1b[31mF\x1b[0m\n"
    "tests/test_cli.py \x1b[32m.....................\x1b[0m\n\n"
    "\x1b[31mFAILED\x1b[0m tests/test_app.py::test_timer - AssertionError: 0.2 != 0.1\n"
)


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: QColor(37, 37, 40),
        QPalette.ColorRole.WindowText: QColor(220, 220, 222),
        QPalette.ColorRole.Base: QColor(28, 28, 31),
        QPalette.ColorRole.AlternateBase: QColor(45, 45, 48),
        QPalette.ColorRole.Text: QColor(220, 220, 222),
        QPalette.ColorRole.Button: QColor(45, 45, 48),
        QPalette.ColorRole.ButtonText: QColor(220, 220, 222),
        QPalette.ColorRole.Highlight: QColor(64, 128, 220),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 170, 255),
        QPalette.ColorRole.PlaceholderText: QColor(130, 130, 135),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    return p


def build(theme: Theme, parent: QWidget) -> list[ToolCard]:
    cards = []

    def card(cid: str, name: str, title: str | None) -> ToolCard:
        c = ToolCard(cid, name, theme, parent)
        if title:
            c.set_title(title)
        cards.append(c)
        return c

    c = card("1", "read_file", "read_file src/app.py 1–120")
    c.finish(ToolStatus.DONE, "120 lines", "line\n" * 120, 0.1)
    c = card("2", "search", "grep 'def run' src/")
    c.finish(ToolStatus.DONE, "3 matches", "src/app.py:12: def run(args):\n", 0.04)
    c = card("3", "read_file", "read_file src/missing.py")
    c.finish(
        ToolStatus.FAILED, "error", "src/missing.py does not exist. Did you mean src/main.py?", 0.0
    )
    c = card("4", "edit_file", "edit_file src/app.py")
    c.finish(ToolStatus.DONE, "+2 −1", "Applied.", 0.02, diff=DIFF)
    c = card("5", "run_command", "$ pytest -x -q tests/")
    c.append_output(OUTPUT)
    c.flush_output()
    c.finish(ToolStatus.DONE, "exit 1 · 3.2 s", "exit code 1\n" + OUTPUT, 3.2)
    c = card("6", "run_command", "$ rm -rf build/ && make")
    c.finish(ToolStatus.DENIED, "denied: use make clean", "The user denied this call.", 0.0)
    c = card("7", "run_command", "$ make -j2 all")
    c.append_output(OUTPUT * 3)
    c.flush_output()
    c = card("8", "write_file", None)
    c.append_arguments('{"path": "src/new_module.py", "content": "' + "x" * 1500)
    c = card("9", "edit_file", "edit_file src/app.py")
    c.ask(DIFF, "edits a file · mode: read-only asks before every change")
    c = card("10", "read_file", "read_file src/app.py 1–20")
    c.finish(
        ToolStatus.DONE, "20 lines", "".join(f"{i:>4}  code line {i}\n" for i in range(1, 21)), 0.1
    )
    c.toggle()
    c = card("11", "edit_file", "edit_file src/app.py")
    c.finish(ToolStatus.DONE, "+2 −1", "Applied.", 0.02, diff=DIFF)
    c.toggle()
    c = card("12", "run_command", "$ git clean -fdx")
    c.ask("git clean -fdx", "deletes untracked files")
    c.keyPressEvent(_key_n())
    c = card(
        "13", "run_command", "$ cargo build --release --workspace --all-features " + "-v " * 40
    )
    c.finish(ToolStatus.DONE, "exit 0 · 48 s", "ok", 48.0)
    return cards


def _key_n() -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier, "n")


def shoot(out: Path, dark: bool) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.viewport().setBackgroundRole(QPalette.ColorRole.Base)
    body = QWidget()
    col = QVBoxLayout(body)
    col.setContentsMargins(20, 16, 20, 20)
    col.setSpacing(6)
    theme = Theme.from_palette(body.palette(), body.font())
    cards = build(theme, body)
    for c in cards:
        col.addWidget(c)
    col.addStretch(1)
    scroll.setWidget(body)
    scroll.resize(760, 1700)
    scroll.show()
    for _ in range(5):
        app.processEvents()
    scroll.activateWindow()
    for _ in range(5):
        app.processEvents()
    cards[0].setFocus()
    app.processEvents()
    body.grab().save(str(out.with_name(out.name + ("-dark" if dark else "-light") + ".png")))
    scroll.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/cards")
    app = QApplication(sys.argv)
    app.setStyle(QStyleFactory.create("Fusion"))
    shoot(out, dark=False)
    shoot(out, dark=True)
    del app


if __name__ == "__main__":
    main()
