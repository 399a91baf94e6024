"""Continue extends the same answer by chat prefix completion (issue 14, item 7): the request
shape (agent.continuation), the beta path and its fallback in the turn loop, the simulator's
rules, and the window and history keeping one answer whose usage adds up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from dsdesk.agent import events as ev
from dsdesk.agent.continuation import CONTINUE_PROMPT
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.events import TurnStatus
from dsdesk.agent.loop import Turn
from dsdesk.config.prices import shipped_prices_text
from dsdesk.config.settings import Settings
from dsdesk.core.messages import Message
from dsdesk.core.pricing import PriceTable
from dsdesk.core.request import ChatOptions
from dsdesk.devserver import Reply, Simulator
from dsdesk.devserver import errors as sim_errors
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import DEEPSEEK_BETA_URL, ClientConfig, beta_base_url
from tests.conftest import SIM_KEY
from tests.qt_async import close_window, open_window, run_scenario, wait_until

PRICES = PriceTable.from_toml(shipped_prices_text())
OPTS = ChatOptions(model="deepseek-v4-pro", max_tokens=4000)
USAGE = {"prompt_tokens": 100, "completion_tokens": 10, "prompt_cache_hit_tokens": 0}
USAGE2 = {"prompt_tokens": 120, "completion_tokens": 7, "prompt_cache_hit_tokens": 100}


def cut_conversation() -> Conversation:
    conv = Conversation()
    conv.append(Message.user("Count to six."), Message.assistant("one two thr", "Count up."))
    return conv


def play(sim: Simulator, conv: Conversation, beta: str | None, opts: ChatOptions = OPTS) -> Any:
    async def go() -> list[ev.TurnEvent]:
        config = ClientConfig(base_url=sim.base_url, api_key=SIM_KEY, max_retries=0, beta_url=beta)
        async with DeepSeekClient(config) as c:
            return [e async for e in Turn(conv, c, opts, PRICES, prompt=None, extend=True).events()]

    return asyncio.run(go())


@pytest.fixture
def bare_sim() -> Iterator[Simulator]:
    with Simulator(api_key=SIM_KEY) as s:
        yield s


def test_beta_url_only_for_deepseeks_own_api_unless_configured() -> None:
    assert beta_base_url("https://api.deepseek.com") == DEEPSEEK_BETA_URL
    assert beta_base_url("https://api.deepseek.com/v1/") == DEEPSEEK_BETA_URL
    assert beta_base_url("https://openrouter.ai/api/v1") is None
    assert beta_base_url("http://127.0.0.1:9/", "http://127.0.0.1:9/beta/") == (
        "http://127.0.0.1:9/beta"
    )
    assert Settings().client_config("k").beta_url == DEEPSEEK_BETA_URL
    assert Settings(base_url="http://localhost:8000").client_config("k").beta_url is None


def test_continue_extends_the_answer_in_place_on_the_beta_path(bare_sim: Simulator) -> None:
    bare_sim.enqueue(Reply.text("ee four five six.", usage=USAGE))
    conv = cut_conversation()
    events = play(bare_sim, conv, bare_sim.beta_url)
    request = bare_sim.chat_requests[-1]
    assert request.path == "/beta/chat/completions"
    last = request.json["messages"][-1]
    assert last == {
        "role": "assistant",
        "content": "one two thr",
        "prefix": True,
        "reasoning_content": "Count up.",  # thinking mode: the CoT the answer rests on
    }
    assert [m.content for m in conv.messages] == ["Count to six.", "one two three four five six."]
    kinds = [type(e) for e in events]
    assert kinds.index(ev.AnswerResumed) < kinds.index(ev.ContentText)
    assert ev.ContinuedAsPrompt not in kinds and ev.MessagesAdded not in kinds
    end = events[-1]
    assert isinstance(end, ev.TurnEnded) and end.status is TurnStatus.DONE
    assert end.usage is not None and end.usage.completion_tokens == 10


def test_non_thinking_prefix_carries_no_reasoning(bare_sim: Simulator) -> None:
    bare_sim.enqueue(Reply.text("ee."))
    play(bare_sim, cut_conversation(), bare_sim.beta_url, ChatOptions(thinking=False))
    assert "reasoning_content" not in bare_sim.chat_requests[-1].json["messages"][-1]


def test_refused_prefix_falls_back_to_a_visible_prompt(tmp_path) -> None:
    with Simulator(api_key=SIM_KEY, prefix_completion=False) as sim:
        sim.enqueue(Reply.text("three four five six."))
        conv = cut_conversation()
        events = play(sim, conv, sim.beta_url)
        first, second = sim.chat_requests
    assert first.path == "/beta/chat/completions"  # refused with a 400 ...
    assert second.path == "/chat/completions"  # ... so the prompt goes instead
    assert second.json["messages"][-1] == {"role": "user", "content": CONTINUE_PROMPT}
    fallback = [e for e in events if isinstance(e, ev.ContinuedAsPrompt)]
    assert fallback == [ev.ContinuedAsPrompt(CONTINUE_PROMPT, refused=True)]
    assert [m.role for m in conv.messages] == ["user", "assistant", "user", "assistant"]
    assert isinstance(events[-1], ev.TurnEnded) and events[-1].status is TurnStatus.DONE


def test_without_a_beta_url_the_prompt_goes_straight_away(bare_sim: Simulator) -> None:
    bare_sim.enqueue(Reply.text("three."))
    events = play(bare_sim, cut_conversation(), None)
    assert [r.path for r in bare_sim.chat_requests] == ["/chat/completions"]
    assert ev.ContinuedAsPrompt(CONTINUE_PROMPT, refused=False) in events


def test_simulator_takes_prefix_only_on_the_beta_path_and_last(bare_sim: Simulator) -> None:
    def post(path: str, messages: list[dict[str, Any]]) -> httpx.Response:
        body = {"model": "deepseek-v4-pro", "messages": messages, "max_tokens": 50}
        auth = {"Authorization": f"Bearer {SIM_KEY}"}
        return httpx.post(bare_sim.base_url + path, json=body, headers=auth)

    user = {"role": "user", "content": "hi"}
    prefix = {"role": "assistant", "content": "Hel", "prefix": True}
    plain = post("/chat/completions", [user, prefix])
    assert plain.status_code == 400
    assert plain.json()["error"]["message"] == sim_errors.PREFIX_NEEDS_BETA
    early = post("/beta/chat/completions", [user, prefix, user])
    assert early.json()["error"]["message"] == sim_errors.PREFIX_NOT_LAST_ASSISTANT
    assert post("/beta/chat/completions", [user, prefix]).status_code == 200


def test_window_continue_after_length_is_one_answer_with_usage_added(qloop, sim, tmp_path):
    sim.enqueue(Reply.text("Step one, step tw", finish_reason="length", usage=USAGE))
    sim.enqueue(Reply.text("o, step three.", usage=USAGE2))

    async def scenario() -> None:
        settings = Settings(beta_base_url=sim.beta_url)
        window, controller = await open_window(tmp_path, settings)
        window.send_prompt("List the steps.")
        await wait_until(lambda: "Continue" in window.transcript.plain_text())
        QTest.keyClick(
            window.prompt,
            Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        await wait_until(lambda: len(sim.chat_requests) == 2 and not controller.chat.busy)
        assert sim.chat_requests[1].path == "/beta/chat/completions"
        chat = controller.chat
        assert [m.content for m in chat.history] == [
            "List the steps.",
            "Step one, step two, step three.",
        ]
        text = window.transcript.plain_text()
        assert CONTINUE_PROMPT not in text
        assert window.transcript.answer_text() == "Step one, step two, step three."
        assert "Continue" not in text.split("Step one")[-1]  # the offer went with the cut
        history = controller.history
        assert history is not None
        stored = history.stored_thread()
        assert stored is not None
        assert [(m.role, m.content) for m in stored.messages] == [
            ("user", "List the steps."),
            ("assistant", "Step one, step two, step three."),
        ]
        answer = stored.messages[1]
        assert answer.status == "done" and answer.finish_reason == "stop"
        assert answer.usage is not None
        assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (220, 17)
        assert chat.stats.output == 17  # the session's figures count both requests
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_window_continue_after_a_refusal_shows_the_prompt_and_stops_asking(
    qloop, tmp_path, monkeypatch
):
    with Simulator(api_key=SIM_KEY, prefix_completion=False) as sim:
        monkeypatch.setenv("DEEPSEEK_API_KEY", SIM_KEY)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", sim.base_url)
        sim.enqueue(Reply.text("Part one", finish_reason="length"))
        sim.enqueue(Reply.text("Part two", finish_reason="length"))
        sim.enqueue(Reply.text("Part three."))

        async def scenario() -> None:
            window, controller = await open_window(tmp_path, Settings(beta_base_url=sim.beta_url))
            window.send_prompt("Write it.")
            await wait_until(lambda: "Continue" in window.transcript.plain_text())
            window.transcript.sig_action.emit("continue")
            await wait_until(lambda: "Part two" in window.transcript.plain_text())
            await wait_until(lambda: not controller.chat.busy)
            assert window.transcript.plain_text().count(CONTINUE_PROMPT) == 1
            window.transcript.sig_action.emit("continue")
            await wait_until(lambda: "Part three." in window.transcript.plain_text())
            await wait_until(lambda: not controller.chat.busy)
            paths = [r.path for r in sim.chat_requests]
            # Refused once, the beta path is not asked again in this session.
            assert (
                paths == ["/chat/completions", "/beta/chat/completions"] + ["/chat/completions"] * 2
            )
            assert window.transcript.plain_text().count(CONTINUE_PROMPT) == 2
            await close_window(window, controller)

        run_scenario(qloop, scenario())


def test_stopping_a_continuation_keeps_one_answer_with_what_arrived(bare_sim: Simulator) -> None:
    bare_sim.enqueue(Reply.text("ee four five six seven eight.", chunk_size=2, chunk_delay=0.05))
    conv = cut_conversation()

    async def go() -> list[ev.TurnEvent]:
        config = ClientConfig(
            base_url=bare_sim.base_url, api_key=SIM_KEY, max_retries=0, beta_url=bare_sim.beta_url
        )
        out: list[ev.TurnEvent] = []
        async with DeepSeekClient(config) as c:
            turn = Turn(conv, c, OPTS, PRICES, prompt=None, extend=True)
            async for e in turn.events():
                out.append(e)
                if isinstance(e, ev.ContentText):
                    turn.stop()
        return out

    events = asyncio.run(go())
    end = events[-1]
    assert isinstance(end, ev.TurnEnded) and end.status is TurnStatus.STOPPED
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    answer = conv.messages[-1].content
    assert answer.startswith("one two three") and len(answer) < len("one two three four")
