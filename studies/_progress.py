"""A one-line progress bar on stderr: done / pruned / failed (finished), running, retried, best val_miou, ETA."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO

from harness.common import attrs


@dataclass(frozen=True)
class ProgressState:
    """Counts of one study at one moment (plain data, so rendering is testable)."""

    complete: int
    pruned: int
    failed: int
    running: int
    best_value: float | None
    best_number: int | None
    lost: int = 0  # FAIL caused by the infrastructure: not counted, retried
    leader: tuple[int, int, float] | None = None  # the running trial furthest on: (number, epochs, best val_miou)


def _state(trial: Any) -> str:
    from studies._accounting import is_lost

    return "LOST" if is_lost(trial) else trial.state.name


def collect_progress(study: Any) -> ProgressState:
    """Read the study's trial states and best value."""
    trials = study.get_trials(deepcopy=False)
    states = Counter(_state(t) for t in trials if not attrs.is_surplus(t))
    complete = [t for t in trials if t.state.name == "COMPLETE" and t.value is not None]
    best = max(complete, key=lambda t: t.value, default=None)
    running = [t for t in trials if t.state.name == "RUNNING" and t.intermediate_values]
    lead = max(running, key=lambda t: (max(t.intermediate_values), -t.number), default=None)
    return ProgressState(states["COMPLETE"], states["PRUNED"], states["FAIL"], states["RUNNING"],
                         None if best is None else best.value, None if best is None else best.number, states["LOST"],
                         None if lead is None else (lead.number, max(lead.intermediate_values) + 1,
                                                    max(lead.intermediate_values.values())))


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def render_progress(state: ProgressState, total: int | None, finished_at_start: int, elapsed: float) -> str:
    """The progress line. ETA extrapolates the pace of trials finished in this run."""
    finished = state.complete + state.pruned + state.failed
    head = f"trials {finished}/{total if total is not None else '?'}"
    if total:
        filled = int(20 * min(finished, total) / total)
        head += " [" + "#" * filled + "." * (20 - filled) + "]"
    best = "-" if state.best_value is None else f"{state.best_value:.4f} (#{state.best_number})"
    line = (f"{head} done {state.complete} pruned {state.pruned} failed {state.failed} "
            f"running {state.running}" + (f" retried {state.lost}" if state.lost else "") +
            f" | best val_miou {best}"
            + ("" if state.leader is None else " | #{} at epoch {}: {:.4f}".format(*state.leader))
            + f" | {_clock(elapsed)}")
    ran = finished - finished_at_start
    if total is not None and ran > 0 and finished < total:
        line += f" ETA {_clock(elapsed / ran * (total - finished))}"
    return line


class ProgressBar:
    """Polls a study in a background thread and redraws one line (a new line per change
    when stderr is not a terminal, e.g. under nohup)."""

    def __init__(self, study: Any, total: int | None, stream: TextIO | None = None, interval: float = 2.0) -> None:
        self._study, self._total, self._interval = study, total, interval
        self._stream = stream or sys.stderr
        self._tty = getattr(self._stream, "isatty", lambda: False)()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="marsseg-progress", daemon=True)
        self._start = time.time()
        state = collect_progress(study)
        self._finished0 = state.complete + state.pruned + state.failed
        self._last = ""

    def __enter__(self) -> ProgressBar:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.draw()
        if self._tty:
            self._stream.write("\n")
        self._stream.flush()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.draw()
            except Exception:  # a transient storage error must not kill the run
                pass

    def draw(self) -> None:
        """Redraw the line if it changed."""
        line = render_progress(collect_progress(self._study), self._total, self._finished0,
                               time.time() - self._start)
        if self._tty:
            self._stream.write("\r" + line + "\033[K")
        elif line.rsplit(" | ", 1)[0] != self._last.rsplit(" | ", 1)[0]:  # a change other than the clock
            self._stream.write(line + "\n")
        self._last = line
        self._stream.flush()


def render_count(label: str, done: int, total: int, elapsed: float) -> str:
    """`label done/total [####....] rate/s`, e.g. for images predicted."""
    filled = int(20 * min(done, total) / total) if total else 20
    rate = f" {done / elapsed:.1f}/s" if elapsed > 0 else ""
    return f"{label} {done}/{total} [" + "#" * filled + "." * (20 - filled) + "]" + rate + f" | {_clock(elapsed)}"


class CountBar:
    """A one-line progress bar of a count the caller advances (`update(n)`); on a terminal it
    redraws in place, elsewhere it writes a line every tenth of the total."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self._label, self._total, self.done = label, total, 0
        self._stream = stream or sys.stderr
        self._tty = getattr(self._stream, "isatty", lambda: False)()
        self._start, self._last_tenth = time.time(), -1

    def update(self, n: int) -> None:
        """Count `n` more and redraw."""
        self.done += n
        tenth = 10 * self.done // max(self._total, 1)
        if self._tty:
            self._stream.write("\r" + self.line() + "\033[K")
        elif tenth != self._last_tenth:
            self._stream.write(self.line() + "\n")
        self._last_tenth = tenth
        self._stream.flush()

    def line(self) -> str:
        """The current line."""
        return render_count(self._label, self.done, self._total, time.time() - self._start)

    def close(self) -> None:
        """End the line (terminal only)."""
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
