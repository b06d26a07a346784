"""Writing a result file so that no failure leaves a broken one behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it over ``path``.

    A killed job leaves the previous file (or none), never a truncated one. A failed write — a full disk shows as
    an ``OSError`` from Python or as a ``RuntimeError`` from torch's writer — removes the temporary file and raises
    an ``OSError`` that names ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:
        tmp.unlink(missing_ok=True)
        raise OSError(f"fa-repro: could not write {path} ({type(err).__name__}: {err}). Is the disk full? Free "
                      f"space and rerun: finished stages are kept, training resumes from its last checkpoint") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
