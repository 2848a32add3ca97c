"""No orphans: a process that exits once the process that started it is gone.

The playground starts the lab, and the lab starts pool processes; if a parent is killed
outright it never stops its children, so each child watches for itself.
"""

from __future__ import annotations

import os
import signal
import threading
import time


def exit_with_parent(parent_pid: int) -> None:
    """Terminate this process once `parent_pid` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # a blocked event loop may never get to a graceful shutdown
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
