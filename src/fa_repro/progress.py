"""Progress of long jobs: the tqdm bar goes to stderr (the job's log); every tenth of the way a one-line summary
goes to stdout, which Snakemake shows on its console (and a cluster job in its output file), so a user
watching ``snakemake all`` sees how far each long job is."""
from __future__ import annotations

import sys
import time

from tqdm import tqdm


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class ProgressBar(tqdm):
    """tqdm that also prints ``fa-repro: <desc>: 30 % (30/100 epochs), 1m12s elapsed, ~2m48s left`` to stdout
    each time another ``every`` fraction of the total is done (and at the end)."""

    def __init__(self, *args, every: float = 0.1, stream=None, **kwargs):
        kwargs.setdefault("file", sys.stderr)
        super().__init__(*args, **kwargs)
        self._every, self._stream = every, stream
        self._next = None
        self._began = time.monotonic()
        if self.total:
            done = (self.n or 0) / self.total
            self._next = (int(done / every) + 1) * every

    def __iter__(self):
        count = self.n  # tqdm updates self.n only every mininterval: count the items here
        for item in super().__iter__():
            yield item
            count += 1
            self._report(count)

    def update(self, n=1):
        shown = super().update(n)
        self._report(self.n)
        return shown

    def _report(self, count: int) -> None:
        if self._next is None or self.disable or not self.total:
            return
        done = count / self.total
        if done + 1e-9 < self._next:
            return
        while self._next is not None and done + 1e-9 >= self._next:
            self._next = self._next + self._every if self._next + self._every <= 1 + 1e-9 else None
        elapsed = time.monotonic() - self._began
        started_at = getattr(self, "initial", 0) or 0
        rate = (count - started_at) / elapsed if elapsed > 0 and count > started_at else 0.0
        left = f", ~{_duration((self.total - count) / rate)} left" if rate > 0 and count < self.total else ""
        unit = self.unit + ("s" if self.total != 1 else "")
        print(f"fa-repro: {self.desc}: {100 * done:.0f} % ({count}/{self.total} {unit}), "
              f"{_duration(elapsed)} elapsed{left}", file=self._stream or sys.stdout, flush=True)
