"""``async def`` tasks and hooks: coroutines run on one asyncio event loop per process.

Locust 2.47 calls an ``async def`` task, gets a coroutine and drops it ("coroutine ...
was never awaited"). rocust awaits it. A task or an ``on_start``/``on_stop`` that
returns a coroutine is handed, by the user's greenlet, to the process's event loop, and
the greenlet sleeps on a gevent ``Waiter`` until the coroutine is done; then its result
or its exception comes back to the greenlet, which goes on exactly as after a plain
task (StopUser, RescheduleTask, InterruptTaskSet, user_error, logging, the wait). The
check costs a plain task one ``is not None`` on its return value: calling an ``async
def`` function runs none of its body, so looking at what a call returned is as good
as deciding beforehand from the function, and cheaper than any per-function cache.

How the loop shares the thread with gevent:

- The loop runs ``run_forever`` in a greenlet of its own, with a selector that waits in
  the hub (``_HubSelector``: a hub watcher per registered descriptor). When no coroutine
  is ready the loop greenlet waits in the hub like any other greenlet, and user
  greenlets, the engine's pump and timers go on; many coroutine users share the one
  loop. The selector is chosen here, so this holds with or without gevent's monkey
  patching.
- A user's greenlet hands work to the loop with ``call_soon`` and wakes the selector
  (``_Loop.submit``); other threads' ``call_soon_threadsafe`` (executors without monkey
  patching) write to the loop's self-pipe, a watched descriptor. The loop hands the
  outcome back through a hub callback (``Waiter.switch`` runs in the hub).
- asyncio's "running loop" (and the async generator hooks) are per OS thread, so every
  greenlet would see the loop as running, and a plain task's own ``asyncio.run()`` would
  fail. A greenlet switch tracer, installed with the loop (never in a process without
  coroutine tasks), gives them to the loop greenlet only while it runs, and puts back
  what the other greenlets had while it does not, including when it sleeps in the middle
  of a step (a coroutine making a gevent-blocking call).

Cancellation: when the waiting greenlet is interrupted (a kill: stop, stop timeout,
``GreenletExit``; or any exception thrown into it) the asyncio task is cancelled, the
greenlet waits until the coroutine has finished (its ``finally`` and ``async with``
exits run), then the interruption goes on as it would for a plain task. If the
coroutine is stuck in a gevent-blocking call (``self.client.get``, ``gevent.sleep``),
the loop greenlet itself is asleep inside that coroutine's step, so the cancellation is
thrown there as ``CancelledError``, as a kill would interrupt a plain task.
"""

from __future__ import annotations

import logging
import os
import selectors
import sys
from collections.abc import Coroutine
from selectors import EVENT_READ, EVENT_WRITE, SelectorKey
from time import monotonic
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Literal, Optional, Tuple, TypeVar

import greenlet
from gevent import Greenlet, GreenletExit, getcurrent
from gevent.hub import Hub, Waiter, get_hub

if TYPE_CHECKING:
    import asyncio

    from _typeshed import FileDescriptorLike

__all__ = ["await_result", "close_loop", "run_coroutine", "run_hook"]

logger = logging.getLogger("locust.user.task")

T = TypeVar("T")


def await_result(result: Any) -> Any:
    """What a task or hook returned: run to its end if it is a coroutine, as is
    otherwise. Plain tasks call this only for a result that is not None."""
    if isinstance(result, Coroutine):
        return run_coroutine(result)
    return result


def run_hook(hook: Callable[[], Any]) -> None:
    """Calls ``on_start``/``on_stop`` (or any hook), awaiting it if it is ``async``."""
    result = hook()
    if result is not None:
        await_result(result)


def run_coroutine(coro: "Coroutine[Any, Any, T]") -> T:
    """Runs ``coro`` on the process's event loop and blocks the calling greenlet (not
    the hub) until it is done; returns its result or raises its exception.

    An exception thrown into the waiting greenlet (a kill) cancels the coroutine, waits
    for it to finish and is then raised. Must not be called from the loop's own
    greenlet (a coroutine cannot wait for another one that way: the loop would wait for
    itself).
    """
    owner = _current()
    if getcurrent() is owner.greenlet:
        coro.close()
        raise RuntimeError(
            "a coroutine task was started from inside the asyncio event loop (did an async task run a "
            "TaskSet or call a sync function that runs async tasks?); await the coroutine instead"
        )
    call: _Call[T] = _Call(owner, coro)
    owner.submit(call.start)
    try:
        call.waiter.get()
    except BaseException:
        call.cancel_and_wait()
        raise
    assert call.task is not None
    return call.task.result()


#: gevent's io watcher flags (libev's and libuv's alike).
_GEVENT_READ, _GEVENT_WRITE = 1, 2

#: How long the loop greenlet may go on with ready work before it lets the hub run (poll for
#: I/O, run the other greenlets) again.
_FAIRNESS_S = 0.001


class _HubSelector(selectors._BaseSelectorImpl):
    """A selector whose ``select`` sleeps in the gevent hub.

    Like gevent's ``GeventSelector`` (a hub io watcher per registered descriptor, stopped
    once it fired until the next ``select``, so that a descriptor the loop has not read
    yet cannot make the hub spin while the loop greenlet is busy elsewhere), with less
    per call: no Event and no Timeout per ``select``, ``wake()`` for greenlets of this
    thread handing the loop work (no self-pipe write), and with ready work it lets the
    hub run once a millisecond instead of on every call.
    """

    def __init__(self, hub: Hub) -> None:
        super().__init__()
        self._hub = hub
        self._keys: Dict[int, SelectorKey] = {}
        self._watchers: Dict[int, Any] = {}
        self._fired: Dict[int, Any] = {}
        """Watchers stopped since they fired; the next ``select`` starts them again."""
        self._events: Dict[int, int] = {}
        self._waiter: Optional[Waiter[None]] = None
        self._wake_queued = False
        self._last_yield = monotonic()

    def register(self, fileobj: FileDescriptorLike, events: int, data: Any = None) -> SelectorKey:
        key = super().register(fileobj, events, data)
        flags = (_GEVENT_READ if events & EVENT_READ else 0) | (_GEVENT_WRITE if events & EVENT_WRITE else 0)
        try:
            watcher = self._hub.loop.io(key.fd, flags)
        except OSError as e:
            super().unregister(fileobj)
            raise ValueError(f"invalid file descriptor {key.fd}") from e
        watcher.start(self._on_io, key.fd, pass_events=True)
        self._keys[key.fd] = key
        self._watchers[key.fd] = watcher
        return key

    def unregister(self, fileobj: FileDescriptorLike) -> SelectorKey:
        key = super().unregister(fileobj)
        del self._keys[key.fd]
        self._fired.pop(key.fd, None)
        self._events.pop(key.fd, None)
        watcher = self._watchers.pop(key.fd)
        watcher.stop()
        watcher.close()
        return key

    def modify(self, fileobj: FileDescriptorLike, events: int, data: Any = None) -> SelectorKey:
        key = super().modify(fileobj, events, data)
        self._keys[key.fd] = key  # a change of data only does not go through register
        return key

    def _on_io(self, events: int, fd: int) -> None:
        """In the hub: a registered descriptor is ready (or in error: then report what
        it was registered for, and the loop's read or write will meet the error)."""
        watcher = self._watchers.get(fd)
        if watcher is None:
            return
        watcher.stop()
        self._fired[fd] = watcher
        mask = self._events.get(fd, 0)
        if events > 0:
            mask |= (EVENT_READ if events & _GEVENT_READ else 0) | (EVENT_WRITE if events & _GEVENT_WRITE else 0)
        else:
            mask |= self._keys[fd].events
        self._events[fd] = mask
        self.wake()

    def wake(self) -> None:
        """Makes a sleeping ``select`` return (from any greenlet of the hub's thread). In
        a callback, so that every descriptor ready in this hub iteration is reported at once."""
        if self._waiter is not None and not self._wake_queued:
            self._wake_queued = True
            self._hub.loop.run_callback(self._switch)

    def _switch(self) -> None:
        self._wake_queued = False
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.switch(None)

    def select(self, timeout: Optional[float] = None) -> List[Tuple[SelectorKey, int]]:
        for fd, watcher in self._fired.items():
            watcher.start(self._on_io, fd, pass_events=True)
        self._fired.clear()
        if not self._events and (timeout is None or timeout > 0):
            self._sleep(timeout)
        elif monotonic() - self._last_yield >= _FAIRNESS_S:
            self._sleep(0)
        events, self._events = self._events, {}
        keys = self._keys
        return [(keys[fd], mask & keys[fd].events) for fd, mask in events.items() if fd in keys]

    def _sleep(self, timeout: Optional[float]) -> None:
        """Waits in the hub until a watcher fires, ``wake()`` or ``timeout`` (0: one
        hub iteration)."""
        waiter: Waiter[None] = Waiter(self._hub)
        self._waiter = waiter
        timer = None
        if timeout is not None:
            timer = self._hub.loop.timer(max(timeout, 0.0))
            timer.start(self._switch)
        try:
            waiter.get()
        finally:
            self._waiter = None
            if timer is not None:
                timer.stop()
                timer.close()
            self._last_yield = monotonic()

    def close(self) -> None:
        for watcher in self._watchers.values():
            watcher.stop()
            watcher.close()
        self._watchers.clear()
        self._fired.clear()
        self._keys.clear()
        super().close()


#: asyncio's per-thread marks: (running loop, async generator hooks).
_Marks = Tuple[Optional["asyncio.AbstractEventLoop"], Any]


class _Loop:
    """The process's event loop, its greenlet, the hub they run on, and the switch
    tracer that keeps asyncio's per-thread marks to the loop greenlet."""

    def __init__(self) -> None:
        import asyncio
        from asyncio import events

        self._get_running_loop = events._get_running_loop
        self._set_running_loop = events._set_running_loop
        self.hub: Hub = get_hub()
        self.selector = _HubSelector(self.hub)
        self.loop: asyncio.AbstractEventLoop = asyncio.SelectorEventLoop(self.selector)
        self.greenlet: Greenlet[[], None] = Greenlet(self._serve)
        self.greenlet.name = "asyncio event loop"
        self._inside: _Marks = (None, None)
        """The loop greenlet's marks while another greenlet runs."""
        self._outside: _Marks = (None, None)
        """The other greenlets' marks while the loop greenlet runs."""
        self._previous_trace = greenlet.gettrace()
        greenlet.settrace(self._tracer())
        self.greenlet.start()

    def submit(self, callback: Callable[[], None]) -> None:
        """Queues ``callback`` on the loop, from any greenlet of this thread."""
        if self.loop.get_debug():
            # Debug mode checks the calling thread, which gevent's patching makes the greenlet.
            self.loop.call_soon_threadsafe(callback)
        else:
            self.loop.call_soon(callback)
            self.selector.wake()

    def _tracer(self) -> Callable[[Literal["switch", "throw"], Tuple[Any, Any]], None]:
        """The tracer of every greenlet switch of this thread: the loop greenlet entering
        or leaving swaps the marks. It may leave in the middle of a step (a coroutine
        making a gevent-blocking call, or starting a "thread", which is a greenlet once
        gevent has patched threading), not only in the selector."""
        loop_greenlet = self.greenlet
        previous = self._previous_trace
        take = self._take_marks

        def on_switch(event: Literal["switch", "throw"], args: Tuple[Any, Any]) -> None:
            origin, target = args
            if target is loop_greenlet:
                self._outside = take(self._inside)
            elif origin is loop_greenlet:
                self._inside = take(self._outside)
            if previous is not None:
                previous(event, args)

        return on_switch

    def _take_marks(self, marks: _Marks) -> _Marks:
        """Puts ``marks`` in place; returns those they replace."""
        replaced = (self._get_running_loop(), sys.get_asyncgen_hooks())
        self._set_running_loop(marks[0])
        if marks[1] is not None:
            sys.set_asyncgen_hooks(*marks[1])
        return replaced

    def _serve(self) -> None:
        """The loop greenlet: ``run_forever``, restarted if something escaped it (e.g. a
        gevent.Timeout a coroutine set around an await, raised in the loop's select)."""
        while not self.loop.is_closed():
            try:
                self.loop.run_forever()
                return
            except GreenletExit:
                raise
            except (SystemExit, KeyboardInterrupt):
                # Raised by a coroutine: its task holds it too, and its user's greenlet
                # raises it as it would from a plain task.
                pass
            except BaseException:
                logger.error("Exception escaped the asyncio event loop; it goes on", exc_info=True)

    def forget(self) -> None:
        """Stops tracing switches (after a fork: the child makes its own loop)."""
        greenlet.settrace(self._previous_trace)


_LOOP: Optional[_Loop] = None


def _current() -> _Loop:
    global _LOOP
    owner = _LOOP
    if owner is None or owner.greenlet.dead:
        if owner is not None:
            owner.forget()
        owner = _LOOP = _Loop()
    return owner


def close_loop() -> None:
    """Stops and closes the process's loop, if there is one, and removes its switch
    tracer; the next coroutine starts a new one. For code that runs users in-process
    (tests); a ``rocust -f`` process simply exits with its loop."""
    global _LOOP
    owner, _LOOP = _LOOP, None
    if owner is None:
        return
    if not owner.greenlet.dead:
        owner.submit(owner.loop.stop)
        owner.greenlet.join()
    owner.forget()
    owner.loop.close()


def _forget_loop() -> None:
    """After a fork: the child starts its own loop when it needs one."""
    global _LOOP
    if _LOOP is not None:
        _LOOP.forget()
        _LOOP = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_loop)


class _Call(Generic[T]):
    """One coroutine handed to the loop, and the greenlet waiting for it."""

    __slots__ = ("owner", "coro", "task", "waiter")

    def __init__(self, owner: _Loop, coro: "Coroutine[Any, Any, T]") -> None:
        self.owner = owner
        self.coro: Optional["Coroutine[Any, Any, T]"] = coro
        self.task: Optional["asyncio.Task[T]"] = None
        self.waiter: Waiter[None] = Waiter(owner.hub)

    def start(self) -> None:
        """In the loop greenlet."""
        coro, self.coro = self.coro, None
        assert coro is not None
        task = self.owner.loop.create_task(coro)
        task.add_done_callback(self._done)
        self.task = task

    def _done(self, _task: "asyncio.Task[T]") -> None:
        """In the loop greenlet; ``self.waiter`` is read now: a cancellation has its own."""
        self.owner.hub.loop.run_callback(self.waiter.switch, None)

    def cancel_and_wait(self) -> None:
        """In the interrupted greenlet: cancels the task and waits until it is done. A
        second interruption ends the wait (the coroutine then finishes on its own)."""
        self.waiter = Waiter(self.owner.hub)
        self.owner.hub.loop.run_callback(self._cancel_blocked_step)
        self.owner.submit(self._cancel)
        try:
            self.waiter.get()
        except BaseException:
            pass

    def _cancel(self) -> None:
        """In the loop greenlet (queued after ``start``, so the task exists)."""
        task = self.task
        if task is None or task.done():
            # Done before the cancellation came: its callback may have switched the old waiter.
            self.owner.hub.loop.run_callback(self.waiter.switch, None)
        else:
            task.cancel()

    def _cancel_blocked_step(self) -> None:
        """In the hub: if the loop greenlet is asleep inside this task's step (the
        coroutine made a gevent-blocking call), the loop cannot process ``_cancel``
        until that call returns; throw the cancellation into it instead."""
        import asyncio

        task = self.task
        if task is not None and not task.done() and asyncio.current_task(self.owner.loop) is task:
            self.owner.greenlet.throw(asyncio.CancelledError())
