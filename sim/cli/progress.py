"""The progress bar of long commands: replications done, rate and time left, on stderr."""

from __future__ import annotations

import math
import sys
import time


class Progress:
    """A progress bar on stderr, rewritten in place: replications done, rate and time left.

    Shown only when stderr is a terminal, and only once the run has taken about a second.
    """

    WIDTH = 24
    DELAY_S = 1.0
    INTERVAL_S = 0.1

    def __init__(self, total: int, enabled: bool, stream=None):
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled and self.stream is not None and self.stream.isatty()  # None: stderr closed
        self.start = time.perf_counter()
        self.drawn_at = -math.inf
        self.shown = False

    def __call__(self, done: int) -> None:
        now = time.perf_counter()
        elapsed = now - self.start
        if not self.enabled or elapsed < self.DELAY_S or (now - self.drawn_at < self.INTERVAL_S and done < self.total):
            return
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else math.inf
        filled = int(self.WIDTH * done / self.total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done:,}/{self.total:,} replications  {rate:,.0f}/s  "
                          f"ETA {_duration(eta)} \x1b[K")
        self.stream.flush()
        self.drawn_at = now
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"
