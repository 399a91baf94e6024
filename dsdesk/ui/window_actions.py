"""Every action of the main window, with its shortcut and menu: the one place shortcuts are
defined (menus, F1 and the command palette all read the registry built from this list)."""

from dsdesk.ui.actions import ActionSpec

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
    ActionSpec("toggle_thinking", "&Thinking mode", "Ctrl+T", "Chat"),
    ActionSpec("review_edits", "Re&view edits…", "Ctrl+Shift+R", "Chat", "Review proposed edits"),
    ActionSpec("undo_edit", "&Undo last applied edit", "Ctrl+Alt+Z", "Chat"),
    ActionSpec("fix_edits", "Ask to &fix failed edits", "", "Chat"),
    ActionSpec("summarize", "&Summarise older turns…", "", "Chat", "Make room in the context"),
    ActionSpec("restore_turns", "Restore summarised turns", "", "Chat"),
    ActionSpec("focus_tree", "Focus file &tree", "Ctrl+1", "View"),
    ActionSpec("focus_transcript", "Focus t&ranscript", "Ctrl+2", "View"),
    ActionSpec("focus_prompt", "Focus &prompt", "Ctrl+3", "View"),
    ActionSpec("focus_prompt_l", "Focus prompt (second key)", "Ctrl+L", "View"),
    ActionSpec("history", "Conversations &sidebar", "Ctrl+H", "View"),
    ActionSpec("search_history", "&Search conversations…", "Ctrl+Shift+F", "View"),
    ActionSpec("export_md", "Export conversation to &Markdown…", "", "File"),
    ActionSpec("export_md_reasoning", "Export to Markdown with reasoning…", "", "File"),
    ActionSpec("export_json", "Export conversation to &JSON…", "", "File"),
    ActionSpec("trash", "Restore a conversation from the &trash…", "", "File"),
    ActionSpec("palette", "&Command palette…", "Ctrl+Shift+P", "View"),
    ActionSpec("palette_k", "Command palette (second key)", "Ctrl+K", "View"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "F1", "Help"),
    ActionSpec("edit_shortcuts", "Change keyboard &shortcuts…", "", "Help"),
    ActionSpec("about", "&About dsdesk", "", "Help"),
]
