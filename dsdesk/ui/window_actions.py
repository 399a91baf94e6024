"""Every action of the main window, with its shortcut and menu: the one place shortcuts are
defined (menus, F1 and the command palette all read the registry built from this list)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsdesk.agent.policy import Mode
from dsdesk.ui.actions import ActionRegistry, ActionSpec

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow

ACTIONS = [
    ActionSpec("open_folder", "&Open folder…", "Ctrl+O", "File", "Open a project folder"),
    ActionSpec("settings", "&Settings…", "Ctrl+,", "File", "Server, model, key, theme"),
    ActionSpec("quit", "&Quit", "Ctrl+Q", "File"),
    ActionSpec("stop", "S&top answer", "Esc", "Chat", "Stop the answer; keep what arrived"),
    ActionSpec("new_chat", "&New chat", "Ctrl+N", "Chat"),
    ActionSpec("retry", "&Retry / regenerate", "Ctrl+R", "Chat", "Ask again; keeps the answer"),
    ActionSpec("edit_prompt", "&Edit last prompt", "Ctrl+E", "Chat", "Resend as a new version"),
    ActionSpec("prev_version", "Previous answer version", "Alt+Left", "Chat"),
    ActionSpec("next_version", "Next answer version", "Alt+Right", "Chat"),
    ActionSpec("copy_answer", "Cop&y last answer", "Ctrl+Shift+C", "Chat", "As Markdown"),
    ActionSpec("continue", "&Continue a cut answer", "Ctrl+Shift+Return", "Chat"),
    ActionSpec("toggle_thinking", "Toggle &thinking", "Ctrl+T", "Chat", "Thinking mode on/off"),
    ActionSpec("cycle_mode", "Next agent &mode", "Ctrl+Shift+M", "Agent", "Chat → Read-only → …"),
    ActionSpec("mode_chat", "Mode: Chat", "", "Agent", "The model answers; no tools"),
    ActionSpec("mode_read_only", "Mode: Read-only", "", "Agent", "Reads run; the rest asks"),
    ActionSpec("mode_auto_edit", "Mode: Auto-edit", "", "Agent", "Edits run; commands ask"),
    ActionSpec("mode_full_auto", "Mode: Full-auto", "", "Agent", "Commands in the sandbox"),
    ActionSpec("checkpoints", "Restore a &checkpoint…", "", "Agent", "Put the project back"),
    ActionSpec("focus_question", "Go to the waiting &question", "Ctrl+Shift+A", "Agent"),
    ActionSpec("review_edits", "Re&view edits…", "Ctrl+Shift+R", "Chat", "Review proposed edits"),
    ActionSpec("undo_edit", "&Undo last applied edit", "Ctrl+Alt+Z", "Chat"),
    ActionSpec("fix_edits", "Ask to &fix failed edits", "", "Chat"),
    ActionSpec("summarize", "&Summarise older turns…", "", "Chat", "Make room in the context"),
    ActionSpec("restore_turns", "Restore summarised turns", "", "Chat"),
    ActionSpec("whole_project", "Put the &whole project in context", "", "Context"),
    ActionSpec("excludes", "&Exclude from context…", "", "Context", "Patterns left out of context"),
    ActionSpec(
        "rebuild_context",
        "&Rebuild context",
        "",
        "Context",
        "Resend the files as they are now: one cache miss, then updates stop costing every turn",
    ),
    ActionSpec("clear_context", "&Clear context", "", "Context", "Take every file out"),
    ActionSpec("tree_context", "Tree: put the selection in or out of context", "", "Context"),
    ActionSpec("tree_open", "Tree: open the selected file", "", "View", "Or expand the folder"),
    ActionSpec("close_preview", "Close the pre&view", "", "View"),
    ActionSpec("focus_tree", "Focus file &tree", "Ctrl+1", "View"),
    ActionSpec("focus_transcript", "Focus t&ranscript", "Ctrl+2", "View"),
    ActionSpec("focus_prompt", "Focus &prompt", "Ctrl+3", "View"),
    ActionSpec("focus_prompt_l", "Focus prompt (second key)", "Ctrl+L", "View"),
    ActionSpec("preview_wrap", "&Wrap lines in the preview", "Alt+Z", "View", "Long lines"),
    ActionSpec("history", "Conversations &sidebar", "Ctrl+H", "View"),
    ActionSpec("search_history", "&Search conversations…", "Ctrl+Shift+F", "View"),
    ActionSpec("export_md", "Export conversation to &Markdown…", "", "File"),
    ActionSpec("export_md_reasoning", "Export to Markdown with reasoning…", "", "File"),
    ActionSpec("export_json", "Export conversation to &JSON…", "", "File"),
    ActionSpec("trash", "Restore a conversation from the &trash…", "", "File"),
    ActionSpec("rename_conversation", "Rena&me conversation", "", "File"),
    ActionSpec("trash_conversation", "Move conversation to the trash", "", "File"),
    ActionSpec("palette", "&Command palette…", "Ctrl+Shift+P", "View"),
    ActionSpec("palette_k", "Command palette (second key)", "Ctrl+K", "View"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "F1", "Help"),
    ActionSpec("edit_shortcuts", "Change keyboard &shortcuts…", "", "Help"),
    ActionSpec("about", "&About dsdesk", "", "Help"),
]


def install_actions(w: MainWindow) -> ActionRegistry:
    """Every action of the window with its callback, its saved shortcut and its menu."""
    registry = ActionRegistry(w)
    w.actions_ = registry
    callbacks = {
        "open_folder": w.open_folder_dialog,
        "settings": w.open_settings,
        "quit": w.close,
        "stop": w._on_stop_action,
        "new_chat": w.new_chat,
        "retry": w._retry,
        "continue": w._continue,
        "toggle_thinking": w._toggle_thinking,
        "cycle_mode": lambda: w.agent_ui.cycle_mode(),
        "mode_chat": lambda: w.agent_ui.set_mode(Mode.CHAT),
        "mode_read_only": lambda: w.agent_ui.set_mode(Mode.READ_ONLY),
        "mode_auto_edit": lambda: w.agent_ui.set_mode(Mode.AUTO_EDIT),
        "mode_full_auto": lambda: w.agent_ui.set_mode(Mode.FULL_AUTO),
        "checkpoints": lambda: w.agent_ui.open_checkpoints(),
        "focus_question": lambda: w.agent_ui.focus_question(),
        "review_edits": lambda: w.edits_ui.open_review(),
        "undo_edit": lambda: w.edits_ui.undo(),
        "fix_edits": lambda: w.edits_ui.fix(),
        "summarize": lambda: w.context_ui.summarize(),
        "restore_turns": lambda: w.context_ui.restore_turns(),
        "whole_project": lambda: w.context_ui.on_action("whole_project"),
        "excludes": lambda: w.context_ui.on_action("excludes"),
        "rebuild_context": lambda: w.context_ui.on_action("rebuild"),
        "clear_context": lambda: w.context_ui.on_action("clear"),
        "tree_context": w.tree.toggle_context,
        "tree_open": w.tree.open_current,
        "close_preview": w._close_preview,
        "focus_tree": w.tree.setFocus,
        "focus_transcript": w.transcript.setFocus,
        "focus_prompt": w.prompt.setFocus,
        "focus_prompt_l": w.prompt.setFocus,
        "preview_wrap": w.preview.toggle_wrap,
        "history": lambda: w.history_ui.toggle(),
        "search_history": lambda: w.history_ui.show(focus_search=True),
        "export_md": lambda: w.history_ui.export("md"),
        "export_md_reasoning": lambda: w.history_ui.export("md+reasoning"),
        "export_json": lambda: w.history_ui.export("json"),
        "trash": lambda: w.history_ui.restore_from_trash(),
        "rename_conversation": lambda: w.history_ui.rename_open(),
        "trash_conversation": lambda: w.history_ui.trash_open(),
        "edit_prompt": lambda: w.branches_ui.edit_last_prompt(),
        "prev_version": lambda: w.branches_ui.step_last_answer(-1),
        "next_version": lambda: w.branches_ui.step_last_answer(1),
        "copy_answer": lambda: w.branches_ui.copy_last_answer(),
        "palette": w.dialogs.show_palette,
        "palette_k": w.dialogs.show_palette,
        "shortcuts": w.dialogs.show_shortcuts,
        "edit_shortcuts": w.dialogs.edit_shortcuts,
        "about": w.dialogs.about,
    }
    for spec in ACTIONS:
        registry.add(spec, callbacks[spec.id])
    w.actions_.apply_overrides(w.controller.settings.shortcuts)
    for menu_name, actions in w.actions_.menus().items():
        menu = w.menuBar().addMenu(f"&{menu_name}")
        for action in actions:
            if action.objectName() not in ("action-focus_prompt_l", "action-palette_k"):
                menu.addAction(action)
    return registry
