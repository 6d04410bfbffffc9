"""A dependency-free progress bar on stderr (CLI only: the library never prints)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int | None, label: str = "", stream=None) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._start = time.monotonic()
        self._tty = getattr(self.stream, "isatty", lambda: False)()

    def __enter__(self) -> Progress:
        return self

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= (0.1 if self._tty else 5.0):
            self._last = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        rate = self.done / max(time.monotonic() - self._start, 1e-9)
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            line = f"{self.label} [{bar:<30}] {self.done}/{self.total} {rate:,.0f}/s"
            if rate > 0 and self.done < self.total:
                line += f" ETA {_clock((self.total - self.done) / rate)}"
        else:
            line = f"{self.label} {self.done} {rate:,.0f}/s"
        self.stream.write(("\r" if self._tty else "") + line + (end or ("" if self._tty else "\n")))
        self.stream.flush()

    def __exit__(self, *exc) -> None:
        self._draw(end="\n")


def _clock(seconds: float) -> str:
    """``1:02:03`` or ``2:03``."""
    m, s = divmod(int(seconds + 0.5), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
