"""The main window: file tree | chat | preview, the context meter in the status bar, and every
action in one registry. It only wires widgets to the services' signals."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QWidget,
)

from dsdesk.core.errors import DEEPSEEK_TOP_UP_URL
from dsdesk.core.pricing import format_cost
from dsdesk.services.chat_types import AnswerEnd, Failure, describe_mode
from dsdesk.services.controller import AppController
from dsdesk.ui.agent.presenter import AgentPresenter, WindowHooks
from dsdesk.ui.agent.turn_status import TurnStatus
from dsdesk.ui.branches_ui import BranchPresenter
from dsdesk.ui.chat_panel import ChatPanel
from dsdesk.ui.context_meter import ContextMeter
from dsdesk.ui.context_ui import ContextPresenter
from dsdesk.ui.edits_ui import EditsPresenter
from dsdesk.ui.empty_states import EmptyStates
from dsdesk.ui.file_tree import ProjectTree
from dsdesk.ui.history_ui import HistoryPresenter
from dsdesk.ui.panes import Pane, SplitterPanes
from dsdesk.ui.preview import FilePreview
from dsdesk.ui.session_memory import SessionMemory
from dsdesk.ui.thread_view import usage_text
from dsdesk.ui.ui_state import UiState
from dsdesk.ui.window_actions import install_actions
from dsdesk.ui.window_dialogs import WindowDialogs


class MainWindow(QMainWindow):
    # Presenters are made in _wire(); declared here so the action table can refer to them.
    edits_ui: EditsPresenter
    context_ui: ContextPresenter
    history_ui: HistoryPresenter
    branches_ui: BranchPresenter
    agent_ui: AgentPresenter

    sig_closed = Signal()
    """() the window was closed: the app shuts down."""
    sig_demo_requested = Signal()
    """() start the local simulator and use it."""

    def __init__(self, controller: AppController, ui_state: UiState | None = None) -> None:
        super().__init__()
        self.setObjectName("main-window")
        self.controller = controller
        self.chat = controller.chat
        self.ui_state = ui_state or UiState()
        self.project: Path | None = None
        self._dialog: QWidget | None = None
        self.dialogs = WindowDialogs(self)
        self._build()
        self._wire()
        self._restore_state()
        self._refresh_key_state(controller.has_key)
        self.update_meter()

    # -- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        self.tree = ProjectTree(self)
        self.chat_panel = ChatPanel(self)
        self.transcript = self.chat_panel.transcript
        self.prompt = self.chat_panel.prompt
        self.preview = FilePreview(self)
        self.preview.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.chat_panel)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 760, 0])
        self.setCentralWidget(self.splitter)

        self.meter = ContextMeter(self)
        self.cost_label = QLabel("")
        self.cost_label.setObjectName("session-cost")
        self.balance_label = QLabel("")
        self.balance_label.setObjectName("balance")
        bar = self.statusBar()
        self.turn_status = TurnStatus(self)
        bar.addPermanentWidget(self.turn_status)
        self.meter.setMaximumWidth(360)
        bar.addPermanentWidget(self.meter)
        bar.addPermanentWidget(self.cost_label)
        bar.addPermanentWidget(self.balance_label)

        self.actions_ = install_actions(self)
        self._title = "dsdesk"
        self.setWindowTitle(self._title)
        # The meter follows the draft, debounced so a huge paste is measured once.
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(120)
        self._draft_timer.timeout.connect(self.update_meter)
        opts = self.chat.options
        self.chat_panel.set_thinking(opts.thinking, opts.effort)
        self.chat_panel.set_models([opts.model], opts.model)

    def _wire(self) -> None:
        c, p, t = self.chat, self.chat_panel, self.transcript
        c.sig_answer_started.connect(t.begin_answer)
        c.sig_answer_resumed.connect(t.resume_answer)
        c.sig_continue_sent.connect(
            lambda text: t.add_user_message(text, describe_mode(self.chat.options))
        )
        c.sig_reasoning.connect(t.append_reasoning)
        c.sig_content.connect(t.append_content)
        c.sig_answer_ended.connect(self._on_chat_answer_ended)
        c.sig_failed.connect(self._on_chat_failed)
        c.sig_retrying.connect(p.status.setText)
        c.sig_busy_changed.connect(self._on_chat_busy_changed)
        c.sig_budget_changed.connect(self.update_meter)
        p.sig_send.connect(self.send_prompt)
        p.sig_stop.connect(self.chat.stop)
        p.welcome.sig_open_settings.connect(self.open_settings)
        p.welcome.sig_try_demo.connect(self.sig_demo_requested)
        self.prompt.sig_text_changed.connect(lambda _t: self._draft_timer.start())
        t.sig_action.connect(self._on_transcript_action)
        self.tree.sig_open_file.connect(self._on_tree_open_file)
        self.preview.sig_closed.connect(self._close_preview)
        holder = self.controller.client
        holder.sig_models.connect(self._on_client_models)
        holder.sig_balance.connect(self._on_client_balance)
        holder.sig_notice.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.controller.sig_key_changed.connect(self._refresh_key_state)
        if self.controller.history is not None:
            self.controller.history.sig_notice.connect(
                lambda m: self.statusBar().showMessage(m, 10000)
            )
        self.edits_ui = EditsPresenter(self)
        self.history_ui = HistoryPresenter(self)
        self.branches_ui = BranchPresenter(self)
        self.context_ui = ContextPresenter(self)
        self.agent_ui = AgentPresenter(
            self.chat,
            self.controller.agent,
            self.controller.tasks,
            t,
            p.mode_switch,
            self.turn_status,
            WindowHooks(
                lambda m, ms: self.statusBar().showMessage(m, ms),
                self.open_dialog,
                self._set_title_mark,
                self,
                self.prompt.setFocus,
                lambda: self.prompt.hasFocus() and bool(self.prompt.toPlainText().strip()),
            ),
        )
        self.session = SessionMemory(self)
        self.controller.agent.probe_sandbox()
        self.controller.context.sig_notice.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self._set_tab_order()
        self.empty_states = EmptyStates(self)  # after the Tab chain: it joins in the tree's place
        # Widths in characters: the minimum, and the width a pane first shows at.
        panes = [Pane(self.history_ui.sidebar, 22, 40), Pane(self.tree, 20, 32)]
        self.panes = SplitterPanes(self.splitter, [*panes, Pane(self.preview, 32, 60)])

    def _set_tab_order(self) -> None:
        """Tab follows the screen: sidebar, tree, transcript (its messages' links are kept in
        place by the transcript), context list, prompt and its controls, preview."""
        sidebar, p = self.history_ui.sidebar, self.chat_panel
        chain = [sidebar.search, sidebar.list, self.tree, self.transcript, p.context_bar]
        chain += [self.prompt, p.mode_switch.combo, p.thinking, p.effort, p.model, p.send_button]
        chain += [self.preview, self.preview.wrap_button, self.preview.close_button]
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

    # -- project ------------------------------------------------------------------------------

    def open_project(self, path: Path) -> None:
        path = path.resolve()
        if not path.is_dir():
            self.statusBar().showMessage(f"Not a folder: {path}", 8000)
            return
        self.branches_ui.cancel_edit()  # the prompt being edited belongs to the old project
        self.session.remember()  # the old project's conversation, before history moves on
        self.project = path
        self.tree.set_root(path)
        self.controller.edits.set_project(path)
        self.controller.context.set_project(path)
        if self.controller.history is not None:
            self.controller.history.set_project(path)
        self.controller.agent.set_project(path)
        self.context_ui.update_bar()
        self.ui_state.last_project = path
        self._title = f"{path.name} — dsdesk"
        self.setWindowTitle(self._title)
        self.session.restore(path)

    def open_folder_dialog(self) -> None:
        dialog = QFileDialog(self, "Open project folder", str(self.project or Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda p: self.open_project(Path(p)))
        self.open_dialog(dialog)

    def _on_tree_open_file(self, path: Path) -> None:
        # First shown: half of the chat, but leaving the chat its natural width when it can.
        room = self.chat_panel.width() - self.splitter.handleWidth()
        natural = self.chat_panel.sizeHint().width()
        self.panes.reveal(self.preview, max(300, min(room // 2, room - natural)))
        keys = self.actions_
        self.preview.set_key_hints(keys.shortcut_text("stop"), keys.shortcut_text("preview_wrap"))
        self.preview.show_file(path, self.project)

    def _close_preview(self) -> None:
        self.preview.hide()
        self.tree.setFocus()

    # -- chat ---------------------------------------------------------------------------------

    def send_prompt(self, text: str) -> None:
        if not text.strip() or self.chat.busy:
            return
        if self.branches_ui.editing is not None:
            self.branches_ui.send_edit(text)
            return
        if self.refuse_without_key() or self.context_ui.refuse_overflow(text):
            return
        self.transcript.add_user_message(text, describe_mode(self.chat.options))
        self.prompt.remember(text)
        self.prompt.clear()
        self.chat.send(text)

    def refuse_without_key(self) -> bool:
        """True (and the reason shown) when there is no key to send with."""
        if self.controller.has_key:
            return False
        self.transcript.show_error(
            "No API key yet: add it in Settings, set DEEPSEEK_API_KEY, or try the demo.",
            [("Open settings", "settings"), ("Try the demo", "demo")],
        )
        return True

    def new_chat(self) -> None:
        self.chat.new_chat()
        self.transcript.clear()
        self.prompt.setFocus()

    def _retry(self) -> None:
        if self.branches_ui.regenerate_last():
            return  # stored: the new answer is another version of the last one
        if self.chat.last_prompt is not None and not self.chat.busy:
            self.transcript.add_user_message(
                self.chat.last_prompt, describe_mode(self.chat.options)
            )
            self.chat.retry()

    def _continue(self) -> None:
        if self.chat.history and not self.chat.busy:
            # In place where the server takes prefix completion; else the prompt is shown as
            # sent (sig_continue_sent), so the transcript matches the conversation.
            self.chat.continue_answer()

    def _on_stop_action(self) -> None:
        if self.chat.busy:
            self.chat.stop()
        elif self.preview.isVisible() and self._in_preview_or_tree(self.focusWidget()):
            self._close_preview()  # the tree too: Enter there opens it and keeps the focus
        else:
            self.branches_ui.cancel_edit()

    def _in_preview_or_tree(self, widget: QWidget | None) -> bool:
        return widget is not None and (widget is self.tree or self.preview.isAncestorOf(widget))

    def _toggle_thinking(self) -> None:
        self.chat_panel.thinking.toggle()

    def _on_chat_busy_changed(self, busy: bool) -> None:
        self.chat_panel.set_busy(busy)
        self.chat_panel.status.setText("Answering…" if busy else "")

    def _on_chat_answer_ended(self, end: AnswerEnd) -> None:
        line = None
        if end.usage is not None:
            self.transcript.set_reasoning_tokens(end.usage.reasoning_tokens)
            line = usage_text(end.usage, end.cost, self.chat.prices.currency)
        self.transcript.end_answer(end.status, line)
        if end.status == "length":
            self.transcript.add_actions([("Continue", "continue")])
        elif end.notice:
            busy = end.finish_reason == "insufficient_system_resource"
            self.transcript.show_error(end.notice, [("Retry", "retry")] if busy else [])
        self._update_stats()

    def _on_chat_failed(self, failure: Failure) -> None:
        self.transcript.end_answer("error")
        actions = [failure.retry]
        if failure.kind in ("auth", "config"):
            actions.append(("Open settings", "settings"))
        elif failure.kind == "balance":
            actions.append(("Top up balance", "balance"))
        self.transcript.show_error(failure.message, actions)

    def _on_transcript_action(self, action: str) -> None:
        if action == "retry":
            self._retry()
        elif action == "continue":
            self._continue()
        elif action == "settings":
            self.open_settings()
        elif action == "demo":
            self.sig_demo_requested.emit()
        elif action == "balance":
            QDesktopServices.openUrl(QUrl(f"https://{DEEPSEEK_TOP_UP_URL}"))
        elif action == "drop_largest":
            self.context_ui.on_action(action)
        elif action == "new_chat":
            self.new_chat()
        elif action == "summarize":
            self.context_ui.summarize()
        elif action == "restore_turns":
            self.context_ui.restore_turns()
        elif not (self.branches_ui.on_action(action) or self.agent_ui.on_action(action)):
            self.edits_ui.on_action(action)

    # -- status bar ---------------------------------------------------------------------------

    def update_meter(self) -> None:
        ctx = self.controller.context
        budget = self.chat.budget(
            self.prompt.toPlainText(), ctx.files_tokens, ctx.instructions_tokens
        )
        self.meter.set_budget(budget, self.chat.server_prompt_tokens)

    def _update_stats(self) -> None:
        s = self.chat.stats
        cost = format_cost(s.cost if s.cost_known else None, self.chat.prices.currency)
        rate = s.hit_rate
        hits = f"cache hits {rate:.0%}" if rate is not None else "cache hits —"
        self.cost_label.setText(f"Session {cost} · {hits}")
        note = self.chat.cache_note
        self.cost_label.setToolTip(
            f"{s.answers} answers · cache hit {s.cache_hit:,} / miss {s.cache_miss:,} tokens · "
            f"output {s.output:,} tokens" + (f"\n\nLast request: {note}" if note else "")
        )

    def _on_client_models(self, models: list[str]) -> None:
        self.dialogs.models = models
        self.chat_panel.set_models(models, self.chat.options.model)

    def _on_client_balance(self, text: str) -> None:
        self.balance_label.setText(f"Balance {text}" if text else "")

    def _refresh_key_state(self, has_key: bool) -> None:
        self.chat_panel.welcome.setVisible(not has_key)
        if self.controller.demo_url:
            self.statusBar().showMessage(
                f"Demo: answers come from the local simulator at {self.controller.demo_url}", 10000
            )

    def _set_title_mark(self, mark: str) -> None:
        """A question waits: the title says so, for a window in the background."""
        self.setWindowTitle(f"{mark} — {self._title}" if mark else self._title)

    # -- dialogs ------------------------------------------------------------------------------

    def open_dialog(self, dialog: QWidget) -> None:
        self._dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # type: ignore[attr-defined]

    def open_settings(self) -> None:
        self.dialogs.open_settings()

    # -- state --------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.ui_state.blob("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        splitter = self.ui_state.blob("splitter")
        if splitter is not None:
            self.panes.restore(splitter)
        self.preview.hide()
        self.history_ui.sidebar.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.remember()
        self.ui_state.set_blob("geometry", self.saveGeometry())
        self.ui_state.set_blob("splitter", self.splitter.saveState())
        self.ui_state.sync()
        event.accept()
        self.sig_closed.emit()
