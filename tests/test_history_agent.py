"""Agent turns reach the store message by message (the calls, each result with its id, outcome
and approval, checkpoints), reopen as the very conversation that was live, and regenerate whole."""

from __future__ import annotations

from pathlib import Path

from dsdesk.agent.calls import CANCELLED_RESULT
from dsdesk.agent.events import Answer, Approval
from dsdesk.agent.policy import Mode
from dsdesk.agent.tools.base import Effect
from dsdesk.config.settings import Settings
from dsdesk.core.messages import ToolCallRecord
from dsdesk.devserver import Reply, Simulator
from dsdesk.services.controller import AppController
from dsdesk.services.history import conversation_turns
from dsdesk.store import ApprovalRecord, Checkpoint
from tests.agent_fakes import Approvals, FakeTool, call, session
from tests.qt_async import run_scenario, wait_until


class Snapshots:
    def __init__(self) -> None:
        self.labels: list[str] = []

    async def snapshot(self, label: str) -> str:
        self.labels.append(label)
        return f"cp-{len(self.labels)}"

    async def after(self, label: str) -> str:
        return "after"


def _tools() -> list[FakeTool]:
    return [
        FakeTool("read_file", Effect.READ, reply="1\tx = 1"),
        FakeTool("edit_file", Effect.EDIT, reply=""),  # empty output: "(no output)" is sent
        FakeTool("run_command", Effect.EXECUTE, reply="boom"),
    ]


def test_an_agent_turn_is_stored_as_a_chain_reopens_exactly_and_regenerates_whole(
    qloop, sim: Simulator, tmp_path: Path
) -> None:
    sim.enqueue(
        Reply.text(
            "",
            "Look first, then edit.",
            tool_calls=[
                call("call_00_a", "read_file", path="app.py"),
                call("call_01_b", "edit_file", path="app.py"),
            ],
        )
    )
    sim.enqueue(Reply.text("", "Run the tests.", tool_calls=[call("call_02_c", "run_command")]))
    sim.enqueue(Reply.text("Fixed, but not tested.", reasoning="They said no."))
    sim.enqueue(Reply.text("You're welcome."))
    sim.enqueue(Reply.text("Fixed again."))

    async def scenario() -> None:
        controller = AppController(Settings())
        history, chat = controller.history, controller.chat
        assert history is not None
        history.set_project(tmp_path)
        approvals = Approvals(Approval(Answer.ONCE), Approval(Answer.DENY, "not now"))
        agent = session(tmp_path, _tools(), Mode.READ_ONLY, approvals)
        snapshots = Snapshots()
        agent.checkpoints = snapshots
        chat.agent = agent
        chat.send("fix app.py")
        await wait_until(lambda: not chat.busy)
        live = list(chat.history)
        assert [m.role for m in live][-1] == "assistant" and len(sim.chat_requests) == 3

        cid = history.conversation_id
        assert cid is not None
        thread = history.store.thread(cid)
        roles = [m.role for m in thread.messages]
        assert roles == ["user", "assistant", "tool", "tool", "assistant", "tool", "assistant"]
        msgs = thread.messages
        assert [m.parent_id for m in msgs[1:]] == [m.id for m in msgs[:-1]]  # one chain
        prompt, round1, read, edit, round2, run, final = msgs
        assert round1.tool_calls == (
            ToolCallRecord("call_00_a", "read_file", '{"path": "app.py"}'),
            ToolCallRecord("call_01_b", "edit_file", '{"path": "app.py"}'),
        )
        assert round1.reasoning == "Look first, then edit." and round1.content == ""
        assert round1.status == "done" and round1.finish_reason == "tool_calls"
        assert round1.usage is not None and round1.model == "deepseek-v4-pro"
        assert round1.checkpoints == (Checkpoint("cp-1", snapshots.labels[0]),)
        assert (read.tool_call_id, read.content) == ("call_00_a", "1\tx = 1")
        assert read.outcome is not None and read.outcome.status == "done"
        assert read.outcome.title == "read_file app.py" and read.approval is None
        assert (edit.tool_call_id, edit.content) == ("call_01_b", "(no output)")
        assert edit.approval is not None and edit.approval.answer == "once"
        assert edit.approval.why  # why it asked (read-only mode)
        assert round2.tool_calls[0].id == "call_02_c"
        assert run.outcome is not None and run.outcome.status == "denied"
        assert run.approval == ApprovalRecord("deny", "not now", run.approval.why)
        assert "not now" in run.content
        assert final.content == "Fixed, but not tested." and final.reasoning == "They said no."
        assert final.status == "done" and final.tool_calls == ()
        assert history.last_answer_id == final.id

        # Reopened, it is the conversation that was live, message for message...
        assert conversation_turns(thread.messages) == live
        chat.new_chat()
        chat.load_history(conversation_turns(thread.messages))
        history.continue_in(cid, final.id)
        chat.agent = session(tmp_path, _tools(), Mode.READ_ONLY)
        # ...so the next request extends the last one byte for byte (and is accepted).
        before = sim.chat_requests[-1].json["messages"]
        chat.send("thanks")
        await wait_until(lambda: not chat.busy)
        after = sim.chat_requests[-1].json["messages"]
        assert after[: len(before)] == before and after[-1]["content"] == "thanks"
        assert history.store.thread(cid).messages[-1].content == "You're welcome."

        # Regenerate from any message of the first turn: the whole turn, from its prompt.
        for mid in (final.id, round2.id, run.id, round1.id):
            branch = history.prepare_regenerate(mid)
            assert branch is not None
            assert (branch.answer_to, branch.prompt, branch.turns) == (prompt.id, "fix app.py", [])
        chat.load_history(branch.turns)
        history.continue_in(cid, answer_to=branch.answer_to)
        chat.send(branch.prompt)
        await wait_until(lambda: not chat.busy)
        again = history.store.thread(cid)
        assert [m.content for m in again.messages] == ["fix app.py", "Fixed again."]
        assert again.version(again.messages[1].id) == (2, 2)
        # The first version (the whole agent turn and what followed) is kept.
        first = history.store.switch_to(round1.id)
        assert [m.id for m in first.messages][:7] == [m.id for m in msgs]
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_stop_at_an_approval_is_recorded_and_reopens_valid(
    qloop, sim: Simulator, tmp_path: Path
) -> None:
    sim.enqueue(
        Reply.text(
            "",
            "Run both.",
            tool_calls=[call("call_00_x", "run_command"), call("call_01_y", "read_file")],
        )
    )
    sim.enqueue(Reply.text("Next time."))

    async def scenario() -> None:
        controller = AppController(Settings())
        history, chat = controller.history, controller.chat
        assert history is not None
        history.set_project(tmp_path)
        approver = Approvals(Approval(Answer.STOP))
        chat.agent = session(tmp_path, _tools(), Mode.READ_ONLY, approver)
        chat.send("run it")
        await wait_until(lambda: not chat.busy)
        cid = history.conversation_id
        assert cid is not None
        thread = history.store.thread(cid)
        assert [m.role for m in thread.messages] == ["user", "assistant", "tool", "tool"]
        x, y = thread.messages[2:]
        assert x.approval is not None and x.approval.answer == "stop"
        assert x.outcome is not None and x.outcome.status == "cancelled"
        assert (x.content, y.content) == (CANCELLED_RESULT, CANCELLED_RESULT)
        assert y.approval is None  # never asked
        assert conversation_turns(thread.messages) == list(chat.history)
        chat.new_chat()
        chat.load_history(conversation_turns(thread.messages))
        history.continue_in(cid, thread.messages[-1].id)
        chat.send("ok, later")
        await wait_until(lambda: not chat.busy)
        assert history.store.thread(cid).messages[-1].content == "Next time."
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_continue_after_a_limit_is_recorded(qloop, sim: Simulator, tmp_path: Path) -> None:
    from dsdesk.agent.calls import TurnLimits

    sim.enqueue(Reply.text("", "Look first.", tool_calls=[call("call_00_a", "read_file")]))
    sim.enqueue(Reply.text("It is fine."))

    async def scenario() -> None:
        controller = AppController(Settings())
        history, chat = controller.history, controller.chat
        assert history is not None
        history.set_project(tmp_path)
        chat.agent = session(tmp_path, _tools(), Mode.AUTO_EDIT)
        chat.limits = TurnLimits(max_steps=1)
        chat.send("check app.py")
        await wait_until(lambda: not chat.busy)
        assert chat.continue_turn()
        await wait_until(lambda: not chat.busy)
        cid = history.conversation_id
        assert cid is not None
        thread = history.store.thread(cid)
        assert [m.role for m in thread.messages] == ["user", "assistant", "tool", "assistant"]
        assert thread.messages[-1].content == "It is fine."
        assert conversation_turns(thread.messages) == list(chat.history)
        await controller.shutdown()

    run_scenario(qloop, scenario())
