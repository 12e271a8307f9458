"""Progress lines of a search: new best objectives, at most once a second."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

#: Shortest interval between progress reports during a search, in seconds.
REPORT_EVERY_S = 1.0


class BestReporter:
    """Passes a search's new best objectives on to ``progress``, at most once every
    :data:`REPORT_EVERY_S`.

    Metaheuristics accept worse solutions on purpose (OR-Tools' guided local search
    calls its solution callback at every one, over a hundred times a second on small
    days), so only objectives below every earlier one count.

    Parameters
    ----------
    progress
        Called with lines such as ``"   2.0 s  objective 1,234.56"``, the seconds
        counted from this reporter's creation.
    """

    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.started = time.perf_counter()
        self.best = math.inf
        self.last = -math.inf

    def __call__(self, objective: float, detail: str = "") -> None:
        """Report ``objective`` (followed by ``detail``) if it is a new best and the
        last report is at least :data:`REPORT_EVERY_S` old."""
        if not objective < self.best:
            return
        self.best = objective
        now = time.perf_counter()
        if now - self.last < REPORT_EVERY_S:
            return
        self.last = now
        self.progress(f"{now - self.started:6.1f} s  objective {objective:,.2f}{detail}")
