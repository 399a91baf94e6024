"""Light and dark themes on the Fusion style; "system" follows the OS colour scheme live."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    QPalette.ColorRole.Window: "#1f2125",
    QPalette.ColorRole.WindowText: "#e3e5e8",
    QPalette.ColorRole.Base: "#17181b",
    QPalette.ColorRole.AlternateBase: "#24262b",
    QPalette.ColorRole.Text: "#e3e5e8",
    QPalette.ColorRole.Button: "#2a2d32",
    QPalette.ColorRole.ButtonText: "#e3e5e8",
    QPalette.ColorRole.Highlight: "#3d6fb6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2a2d32",
    QPalette.ColorRole.ToolTipText: "#e3e5e8",
    QPalette.ColorRole.PlaceholderText: "#80858d",
    QPalette.ColorRole.Link: "#7aa7e8",
    QPalette.ColorRole.Mid: "#3a3d43",
    QPalette.ColorRole.Midlight: "#33363b",
    QPalette.ColorRole.Dark: "#111214",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f4f5f7",
    QPalette.ColorRole.WindowText: "#1d1f23",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f0f1f4",
    QPalette.ColorRole.Text: "#1d1f23",
    QPalette.ColorRole.Button: "#eceef1",
    QPalette.ColorRole.ButtonText: "#1d1f23",
    QPalette.ColorRole.Highlight: "#2f6fd0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d1f23",
    QPalette.ColorRole.PlaceholderText: "#8a8f98",
    QPalette.ColorRole.Link: "#1f5fbf",
    QPalette.ColorRole.Mid: "#c9ccd2",
    QPalette.ColorRole.Midlight: "#e1e3e7",
    QPalette.ColorRole.Dark: "#9da2aa",
}


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def resolve(theme: str) -> str:
    if theme in ("light", "dark"):
        return theme
    return "dark" if system_is_dark() else "light"


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply ``theme`` ("system", "light", "dark"); returns the one in effect."""
    effective = resolve(theme)
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in (_DARK if effective == "dark" else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    disabled = QColor("#6b7079" if effective == "dark" else "#a3a7ae")
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    app.setPalette(palette)
    return effective
