"""The fair queue: per-key FIFOs served round-robin, with at most `per_key_limit` taken per key."""

from __future__ import annotations

import threading

import pytest

from syncline.runtime.jobs import FairQueue


def take_all(queue: FairQueue[str]) -> list[str]:
    taken = []
    while queue.pending():
        item = queue.take()
        assert item is not None
        taken.append(item[1])
    return taken


def test_keys_are_served_round_robin() -> None:
    queue: FairQueue[str] = FairQueue(per_key_limit=10)
    for item in ["a1", "a2", "a3"]:
        queue.put("a", item)
    queue.put("b", "b1")
    queue.put("c", "c1")
    assert take_all(queue) == ["a1", "b1", "c1", "a2", "a3"]


def test_a_key_at_its_limit_waits_while_others_are_served() -> None:
    queue: FairQueue[str] = FairQueue(per_key_limit=1)
    queue.put("a", "a1")
    queue.put("a", "a2")
    queue.put("b", "b1")
    assert queue.take() == ("a", "a1")
    assert queue.take() == ("b", "b1")  # a2 must wait for a1
    assert queue.active("a") == 1
    queue.done("a")
    assert queue.take() == ("a", "a2")


def test_a_freed_key_keeps_its_place_in_line() -> None:
    queue: FairQueue[str] = FairQueue(per_key_limit=1)
    queue.put("a", "a1")
    queue.put("a", "a2")
    assert queue.take() == ("a", "a1")
    queue.put("b", "b1")
    queue.put("b", "b2")
    assert queue.take() == ("b", "b1")
    queue.done("a")
    queue.done("b")
    assert queue.take() == ("a", "a2")  # a waited longer
    assert queue.take() == ("b", "b2")


def test_take_blocks_until_an_item_of_a_free_key_arrives() -> None:
    queue: FairQueue[str] = FairQueue(per_key_limit=1)
    queue.put("a", "a1")
    queue.put("a", "a2")
    assert queue.take() == ("a", "a1")
    got: list[object] = []
    taker = threading.Thread(target=lambda: got.append(queue.take()))
    taker.start()
    queue.put("b", "b1")
    taker.join(timeout=10)
    assert got == [("b", "b1")]


def test_close_wakes_takers_and_returns_what_was_never_taken() -> None:
    queue: FairQueue[str] = FairQueue(per_key_limit=1)
    queue.put("a", "a1")
    queue.put("a", "a2")
    assert queue.take() == ("a", "a1")
    got: list[object] = []
    taker = threading.Thread(target=lambda: got.append(queue.take()))
    taker.start()  # blocks: a is at its limit
    assert queue.close() == [("a", "a2")]
    taker.join(timeout=10)
    assert got == [None]
    with pytest.raises(RuntimeError):
        queue.put("a", "a3")


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FairQueue(per_key_limit=0)
