"""The project files in the model's context: what is attached, their exact token counts, and
what changed on disk since they were sent. Reads and counts run off the GUI thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from dsdesk.core.context_layout import (
    FILES_HEADER,
    INSTRUCTION_FILES,
    INSTRUCTIONS_HEADER,
    ContextFile,
    base_context_text,
    update_text,
)
from dsdesk.services.chat import ChatService
from dsdesk.services.tasks import TaskRegistry
from dsdesk.store import ContextItem
from dsdesk.workspace.context_files import Attached, read_context_files
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.project_prefs import (
    DEFAULT_EXCLUDES,
    exclude_matcher,
    load_excludes,
    save_excludes,
)
from dsdesk.workspace.token_cache import FileTokenCache, iter_files
from dsdesk.workspace.tokenizer_data import count_without_waiting, v4_counter


class ContextService(QObject):
    sig_changed = Signal()
    """() the attached files, their counts or the instructions changed."""
    sig_counts_ready = Signal()
    """() token counts of the whole project (per file and folder) are known or updated."""
    sig_notice = Signal(str)
    """(message) e.g. files skipped as binary or too large."""

    def __init__(self, tasks: TaskRegistry, chat: ChatService, data_dir: Path) -> None:
        super().__init__()
        self._data_dir = data_dir
        self.excludes: list[str] = list(DEFAULT_EXCLUDES)
        self._tasks = tasks
        self._chat = chat
        self.root: Path | None = None
        self._cache: FileTokenCache | None = None
        self._rules: IgnoreRules | None = None
        self.files: dict[str, Attached] = {}  # insertion order = order in the context
        self._attached_dirs: set[str] = set()  # folders holding any of them
        self.instructions: Attached | None = None
        self._instructions_rel: str | None = None
        self._sent: dict[str, str] = {}  # what the model has seen, per file
        self._sent_fp: dict[str, tuple[int, int]] = {}  # and the file's fingerprint then
        # Files whose text the request carries (removed ones stay until a rebuild), so an edit
        # to any other file can be flagged as made blind.
        self._shown: set[str] = set()
        self.project_counts: dict[str, int] = {}  # every countable file of the project
        self.folder_totals: dict[str, int] = {}
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_file_changed)
        chat.sig_conversation_reset.connect(self._publish_base)

    # -- totals -------------------------------------------------------------------------------

    @property
    def files_tokens(self) -> int:
        if not self.files:
            return 0
        return count_without_waiting(FILES_HEADER) + sum(a.tokens for a in self.files.values())

    @property
    def instructions_tokens(self) -> int:
        inst = self.instructions
        if inst is None:
            return 0
        # The header, the blank line after the fixed prompt and the joins between parts.
        header = INSTRUCTIONS_HEADER.format(path=inst.rel_path)
        return count_without_waiting(header) + inst.tokens + (1 if self.files else 0)

    def tokens_of(self, rel: str) -> int | None:
        a = self.files.get(rel)
        return a.tokens if a else None

    # -- project ------------------------------------------------------------------------------

    def set_project(self, root: Path | None) -> None:
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        self.root = root
        self.files.clear()
        self._attached_dirs = set()
        self.instructions = None
        self._sent.clear()
        self._shown.clear()
        if root is None:
            self._cache = self._rules = None
            self._publish_base()
            return
        self._cache = FileTokenCache(root, v4_counter())
        self._rules = IgnoreRules(root)
        self.excludes = load_excludes(self._data_dir, root)
        self.project_counts, self.folder_totals = {}, {}
        self._tasks.spawn(self._count_project(root), name="count-project")
        found = next((n for n in INSTRUCTION_FILES if (root / n).is_file()), None)
        self._instructions_rel = found
        if found:
            self._tasks.spawn(self._load([found], instructions=True), name="context-instructions")
        else:
            self._publish_base()

    def set_excludes(self, patterns: list[str]) -> None:
        """The project's exclude list (gitignore-style globs), saved with the project."""
        self.excludes = [p.strip() for p in patterns if p.strip()]
        if self.root is not None:
            save_excludes(self._data_dir, self.root, self.excludes)
        self.sig_changed.emit()

    def add(self, paths: list[Path]) -> None:
        """Attach files and folders (folders: every non-ignored text file in them, less the
        project's exclude list; a file named on its own is always attached)."""
        if self.root is None or self._rules is None:
            return
        root, rules = self.root, self._rules

        def expand() -> list[str]:
            rels: list[str] = []
            # The instructions file is already in the context, in its own place.
            inst = self._instructions_rel
            excluded = exclude_matcher(self.excludes)
            for p in paths:
                named = p.is_file()
                rels += [
                    r
                    for r in iter_files(root, p, rules)
                    if r not in self.files and r != inst and (named or not excluded.match_file(r))
                ]
            return list(dict.fromkeys(rels))

        async def go() -> None:
            rels = await asyncio.to_thread(expand)
            await self._load(rels, instructions=False)

        self._tasks.spawn(go(), name="context-add")

    async def restore(self, rels: list[str]) -> None:
        """Attach these files again (a reopened conversation's), returning once they are read,
        so that they go into the system message before the conversation is loaded."""
        fresh = [r for r in dict.fromkeys(rels) if r not in self.files]
        await self._load(fresh, instructions=False)

    def add_whole_project(self) -> None:
        if self.root is not None:
            self.add([self.root])

    def remove(self, rels: list[str]) -> None:
        gone = [r for r in rels if self.files.pop(r, None) is not None]
        if not gone:
            return
        self._index_dirs()
        assert self.root is not None
        self._watcher.removePaths([str(self.root / r) for r in gone])
        if self._chat.conversation_started:
            sent = [r for r in gone if self._sent.pop(r, None) is not None]
            if sent:
                self._chat.queue_context_update(update_text([], sent))
        self._publish_base()

    def toggle(self, path: Path) -> None:
        if self.root is None:
            return
        rel = path.relative_to(self.root).as_posix() if path.is_absolute() else str(path)
        inside = [r for r in self.files if r == rel or r.startswith(rel.rstrip("/") + "/")]
        if inside:
            self.remove(inside)
        else:
            self.add([self.root / rel])

    def rebuild(self) -> None:
        """Fold every update back into the base context (one cache miss now)."""
        self._chat.set_base_context(self._base_text())
        self._sent = {r: a.text for r, a in self.files.items()}
        self._shown = set(self.files)
        self._sent_fp = {}
        self._remember_fp(list(self.files))
        self.sig_changed.emit()

    def info(self, rel: str, is_dir: bool) -> tuple[str, int | None]:
        """For the tree: ("all" | "some" | "", tokens) of a file or folder."""
        if is_dir:
            return ("some" if rel in self._attached_dirs else "", self.folder_totals.get(rel))
        attached = self.files.get(rel)
        if attached is not None:
            return "all", attached.tokens
        return "", self.project_counts.get(rel)

    def seen_fingerprints(self) -> dict[str, tuple[int, int]]:
        """What the model saw of each context file, so an edit against a file changed since
        is caught (the watcher normally sends the new version first)."""
        return dict(self._sent_fp)

    def shown_files(self) -> set[str]:
        """Files whose text the next request carries (the instructions file included)."""
        inst = self.instructions
        return self._shown | ({inst.rel_path} if inst is not None else set())

    def context_items(self) -> tuple[ContextItem, ...]:
        """What goes with the next prompt, to be stored with it."""
        items = [ContextItem(a.rel_path, "file", a.tokens) for a in self.files.values()]
        if self.instructions is not None:
            inst = self.instructions
            items.insert(0, ContextItem(inst.rel_path, "instructions", inst.tokens))
        return tuple(items)

    def largest(self, n: int = 5) -> list[Attached]:
        return sorted(self.files.values(), key=lambda a: a.tokens, reverse=True)[:n]

    # -- internals ----------------------------------------------------------------------------

    async def _count_project(self, root: Path) -> None:
        """Count every file once in the background; later counts come from the cache."""
        cache, rules = self._cache, self._rules
        if cache is None or rules is None:
            return

        def work() -> tuple[dict[str, int], dict[str, int]]:
            counts = {
                c.rel_path: c.tokens
                for c in cache.count(list(iter_files(root, root, rules)))
                if c.tokens is not None
            }
            totals: dict[str, int] = {}
            for rel, n in counts.items():
                parts = rel.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    folder = "/".join(parts[:i])
                    totals[folder] = totals.get(folder, 0) + n
            return counts, totals

        counts, totals = await asyncio.to_thread(work)
        if root == self.root:
            self.project_counts, self.folder_totals = counts, totals
            self.sig_counts_ready.emit()

    async def _load(self, rels: list[str], *, instructions: bool) -> None:
        root, cache = self.root, self._cache
        if root is None or cache is None or not rels:
            return
        read = await asyncio.to_thread(read_context_files, root, rels, cache)
        if root != self.root:
            return  # the project changed meanwhile
        ok, skipped = read.files, read.skipped
        if read.refused:
            self.sig_notice.emit(" ".join(read.refused[:5]) + _more(len(read.refused) - 5))
        if skipped:
            self.sig_notice.emit("Not added: " + ", ".join(skipped[:5]) + _more(len(skipped) - 5))
        if instructions:
            self.instructions = ok[0] if ok else None
        changed = []
        for a in ok if not instructions else []:
            self.files[a.rel_path] = a
            changed.append(a)
        self._index_dirs()
        paths = [str(root / a.rel_path) for a in ok]
        if paths:
            self._watcher.addPaths(paths)
        if self._chat.conversation_started and changed:
            fresh = [
                ContextFile(a.rel_path, a.text)
                for a in changed
                if self._sent.get(a.rel_path) != a.text
            ]
            if fresh:
                self._chat.queue_context_update(update_text(fresh, []))
                self._sent.update({f.rel_path: f.text for f in fresh})
                self._shown.update(f.rel_path for f in fresh)
                self._remember_fp([f.rel_path for f in fresh])
            self.sig_changed.emit()
        else:
            self._publish_base()

    def _index_dirs(self) -> None:
        """The folders holding attached files, so the tree's painter asks a set, not a scan."""
        dirs: set[str] = set()
        for rel in self.files:
            parts = rel.split("/")[:-1]
            dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        self._attached_dirs = dirs

    def _remember_fp(self, rels: list[str]) -> None:
        for rel in rels:
            fp = self.files[rel].fingerprint if rel in self.files else None
            if fp is not None:
                self._sent_fp[rel] = fp

    def _base_text(self) -> str:
        inst = self.instructions
        return base_context_text(
            ContextFile(inst.rel_path, inst.text) if inst else None,
            [ContextFile(a.rel_path, a.text) for a in self.files.values()],
        )

    def _publish_base(self) -> None:
        """Before the conversation starts, the context goes in the system message as is."""
        if not self._chat.conversation_started:
            self._chat.set_base_context(self._base_text())
            self._sent = {r: a.text for r, a in self.files.items()}
            self._shown = set(self.files)
            self._sent_fp = {}
            self._remember_fp(list(self.files))
        self.sig_changed.emit()

    def _on_watcher_file_changed(self, path: str) -> None:
        if self.root is None:
            return
        rel = Path(path).relative_to(self.root).as_posix()
        if rel in self.files and not self._tasks.closed:  # a change seen while closing: moot
            self._tasks.spawn(self._load([rel], instructions=False), name="context-reload")


def _more(n: int) -> str:
    return f" and {n} more" if n > 0 else ""
