"""The micro-batcher behind the pre-settlement check, and the token verifier's memory."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from fraudrings.api import batcher
from fraudrings.api.batcher import BatcherClosed, MicroBatcher
from fraudrings.casework.tokens import ALGORITHM, TokenError, TokenVerifier, issue_token
from tests.aio import in_own_loop

SECRET = "s" * 48


class Gate:
    """A batch function that holds its first batch until released, and records sizes."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.first = threading.Event()
        self.release = threading.Event()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.sizes.append(len(items))
        if len(self.sizes) == 1:
            self.first.set()
            assert self.release.wait(10)
        if any(i < 0 for i in items):
            raise ValueError("negative")
        return [i * 10 for i in items]


def test_items_that_wait_share_the_next_batch_in_order() -> None:
    gate = Gate()
    b: MicroBatcher[int, int] = MicroBatcher(gate, max_batch=4)
    first = b.submit(1)
    assert gate.first.wait(5)  # the first item runs at once, alone
    waiting = [b.submit(i) for i in range(2, 12)]  # ten items arrive meanwhile
    gate.release.set()
    assert first.result(5) == 10
    assert [f.result(5) for f in waiting] == [i * 10 for i in range(2, 12)]
    assert gate.sizes == [1, 4, 4, 2]  # capped at max_batch, nobody waits for a timer
    assert (b.batches, b.items, b.largest) == (4, 11, 4)
    b.close()


def test_an_error_is_each_item_of_its_batch_and_only_that_batch() -> None:
    gate = Gate()
    b: MicroBatcher[int, int] = MicroBatcher(gate, max_batch=2)
    f0 = b.submit(0)
    assert gate.first.wait(5)
    bad, also_bad, fine = b.submit(-1), b.submit(5), b.submit(6)
    gate.release.set()
    assert f0.result(5) == 0
    for f in (bad, also_bad):
        with pytest.raises(ValueError, match="negative"):
            f.result(5)
    assert fine.result(5) == 60
    b.close()


def test_a_caller_that_gives_up_is_skipped_and_the_rest_go_on() -> None:
    gate = Gate()
    b: MicroBatcher[int, int] = MicroBatcher(gate, max_batch=8)

    async def scenario() -> tuple[int, int]:
        held = asyncio.ensure_future(b.run(1, timeout=5))
        await asyncio.to_thread(gate.first.wait, 5)
        with pytest.raises(TimeoutError):
            await b.run(2, timeout=0.05)  # gives up while batch 1 is held
        later = asyncio.ensure_future(b.run(3, timeout=5))
        await asyncio.sleep(0.01)
        gate.release.set()
        return await held, await later

    assert in_own_loop(scenario()) == (10, 30)
    assert gate.sizes == [1, 1]  # the abandoned item never reached the database
    b.close()
    with pytest.raises(BatcherClosed):
        b.submit(4)


def test_wrong_number_of_answers_is_an_error() -> None:
    b: MicroBatcher[int, int] = MicroBatcher(lambda items: [1], max_batch=8)
    assert b.submit(1).result(5) == 1
    gate = threading.Event()

    def two_then_wrong(items: Sequence[int]) -> list[int]:
        gate.wait(5)
        return [0]

    b2: MicroBatcher[int, int] = MicroBatcher(two_then_wrong, max_batch=8)
    futs = [b2.submit(i) for i in range(3)]
    gate.set()
    errors = 0
    for f in futs:
        try:
            f.result(5)
        except RuntimeError:
            errors += 1
    assert errors >= 2  # the batch of more than one item got one answer: all refused
    b.close()
    b2.close()


def test_token_verifier_keeps_valid_tokens_and_still_checks_expiry() -> None:
    now = [time.time()]
    v = TokenVerifier(SECRET, max_items=2, clock=lambda: now[0])
    tok, seconds = issue_token("alice", SECRET, 1)
    sub, jti = v.claims(tok)
    assert sub == "alice" and jti
    assert v.claims(tok) == (sub, jti)  # kept: the same answer without a new decode
    now[0] += seconds + 1  # past exp: refused even though the signature was kept
    with pytest.raises(TokenError, match="expired"):
        v.claims(tok)
    with pytest.raises(TokenError, match="not valid"):
        v.claims(tok[:-2] + "xx")  # bad signature
    forged = jwt.encode(
        {
            "sub": "alice",
            "iss": "fraudrings",
            "jti": "x",
            "iat": int(datetime.now(UTC).timestamp()),
            "exp": int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()),
        },
        "another-secret-of-enough-length-000000",
        algorithm=ALGORITHM,
    )
    with pytest.raises(TokenError):
        v.claims(forged)
    now[0] = time.time()
    toks = [issue_token(u, SECRET, 5)[0] for u in ("a", "b", "c")]
    for t in toks:
        v.claims(t)
    assert len(v._kept) == 2  # bounded: the oldest forgotten first
    assert toks[0] not in v._kept and v.claims(toks[0])[0] == "a"


def test_coroutine_callers_get_their_own_answers_with_one_wake_up_per_batch() -> None:
    gate = Gate()
    b: MicroBatcher[int, int] = MicroBatcher(gate, max_batch=4)
    wakeups = 0

    async def scenario() -> list[int | str]:
        nonlocal wakeups
        loop = asyncio.get_running_loop()
        real = loop.call_soon_threadsafe

        def counting(callback: Any, *args: Any, **kw: Any) -> Any:
            nonlocal wakeups
            wakeups += callback is batcher._deliver  # the batcher's, not to_thread's
            return real(callback, *args, **kw)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]

        async def one(i: int) -> int | str:
            try:
                return await b.run(i, timeout=5)
            except ValueError as exc:
                return str(exc)

        first = asyncio.ensure_future(one(1))
        await asyncio.to_thread(gate.first.wait, 5)
        rest = [asyncio.ensure_future(one(i)) for i in (2, 3, 4, 5, -6, 7, 8, 9)]
        await asyncio.sleep(0.05)  # all eight are queued behind the held batch
        gate.release.set()
        return [await first, *[await f for f in rest]]

    got = in_own_loop(scenario())
    # a failed batch fails its own callers only: -6 shared a batch with 7, 8, 9
    assert got == [10, 20, 30, 40, 50, "negative", "negative", "negative", "negative"]
    assert gate.sizes == [1, 4, 4]
    assert wakeups == 3  # one per batch, not one per caller
    b.close()
