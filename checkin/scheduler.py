"""Background work: plain task functions of the feature packages, run by one scheduler thread.

A task is a function with no arguments (stock/tasks.py, live/tasks.py,
live/webhooks.py, ...) and a period from the settings. The scheduler runs
every task at start and then every `every` seconds after its last run
began, one task at a time, each in an app context: what a task wrote is
committed when it returns and rolled back when it raises, and its session
is handed back either way, so no transaction (nor SQLite's write lock)
outlives a run. A task that raises is logged and tried again at its next
turn; the others go on. Tasks share the thread, so each keeps its runs
short: small batches, short transactions, nothing that waits long.

`gate serve` runs a scheduler in each worker process (after gunicorn's
fork) for that process's own warm-up, and the shared tasks in one worker
only: the one holding the TaskBaton. With several nodes, one of them, or
`gate worker`, runs the shared tasks and the others serve with
`--no-tasks`. The shared tasks settle races in the database, so a second
runner is wasted work, never double work.
"""
import fcntl
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from .extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """A function the scheduler runs every `every` seconds, or once at start when `every` is None."""

    name: str
    run: Callable[[], object]
    every: float | None


def shared_tasks(config) -> list[Task]:
    """The tasks one process per deployment runs: holds, device watch, counter purge, webhooks."""
    from .live import tasks as live
    from .live import webhooks
    from .printing import printers
    from .stock import tasks as stock

    return [Task("release expired holds", stock.release_expired_holds, float(config["HOLD_SWEEP_SECONDS"])),
            Task("device watch", live.check_devices, float(config["LIVE_WATCH_SECONDS"])),
            Task("counter purge", live.purge_old_minutes, float(config["COUNTER_PURGE_SECONDS"])),
            Task("webhooks", webhooks.deliver_webhooks, float(config["WEBHOOK_SECONDS"])),
            Task("printer watch", printers.watch_printers, float(config["LIVE_WATCH_SECONDS"]))]


def serving_tasks(config, shared: bool | None = None) -> list[Task]:
    """A serving process's tasks: its own badge warm-up, then the shared tasks if `shared` (None: TASKS)."""
    from .printing import jobs

    shared = bool(config["TASKS"]) if shared is None else shared
    return [Task("badge warm-up", jobs.warm_up, None)] + (shared_tasks(config) if shared else [])


class Scheduler:
    """Runs its tasks on one thread, each on its own period, until stopped."""

    def __init__(self, app: Flask, tasks: list[Task]):
        self.app, self.tasks = app, list(tasks)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Scheduler":
        """Run the tasks on a daemon thread of the scheduler's own; returns the scheduler."""
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        due = {i: time.monotonic() for i in range(len(self.tasks))}
        while due and not self._stop.is_set():
            for i in sorted(due, key=due.get):
                if due[i] > time.monotonic() or self._stop.is_set():
                    break
                task, began = self.tasks[i], time.monotonic()
                self.run_task(task)
                if task.every is None:
                    del due[i]
                else:  # from when the run began: a slow run is followed at once, never by a burst
                    due[i] = began + task.every
            if due:
                self._stop.wait(max(0.0, min(due.values()) - time.monotonic()))

    def run_task(self, task: Task) -> bool:
        """Run one task now in an app context, ending its transaction; False when it raised."""
        try:
            with self.app.app_context():
                try:
                    task.run()
                    db.session.commit()
                finally:
                    db.session.remove()  # rolls back whatever a failed run left open
            return True
        except Exception:  # a busy database or a refused connection must not end the other tasks
            again = f"again in {task.every:g} s" if task.every is not None else "not again"
            log.exception("background task %r failed; running it %s", task.name, again)
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Let the running task finish, run no other, and end the thread."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait(self) -> None:
        """Block until the scheduler's thread ends (stopped, or nothing left to run)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)  # short joins, so a signal handler gets its turn on every platform

    @property
    def running(self) -> bool:
        """True while the scheduler's thread runs."""
        return self._thread is not None and self._thread.is_alive()


class TaskBaton:
    """Which of one server's worker processes runs the shared tasks: the one holding a lock on a file.

    The master makes the file before forking and never locks it; each worker waits for the lock on a
    thread and starts the tasks once it has it. A POSIX record lock belongs to a process and is dropped
    when that process ends, however it ends: when gunicorn replaces the worker that ran the tasks,
    one of the others takes the lock and the tasks go on, still in one process at a time.
    """

    def __init__(self):
        fd, path = tempfile.mkstemp(prefix="gate-tasks-")
        os.unlink(path)  # only the inherited descriptor is needed; nothing is left behind
        self.fd = fd

    def run_when_held(self, scheduler: Scheduler, on_taken: Callable[[], object] = lambda: None) -> None:
        """In a worker: start `scheduler` as soon as this process holds the lock (now, or when its holder ends)."""
        def wait_then_start():
            fcntl.lockf(self.fd, fcntl.LOCK_EX)  # blocks without the interpreter lock
            on_taken()
            scheduler.start()

        threading.Thread(target=wait_then_start, name="task-baton", daemon=True).start()
