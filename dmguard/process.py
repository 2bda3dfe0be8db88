"""Who this process is ("host:pid"), and whether a process named so is gone.

Sends in flight and the daemon's lease are held in a process's name, so a
successor can tell a holder that is still working from one that crashed.
"""

from __future__ import annotations

import os
import socket


def process_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def gone(tag: str) -> bool:
    """True when ``tag`` names a process on this machine that no longer runs.

    A process on another machine is never known to be gone: its claim expires instead.
    """
    host, _, pid = tag.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _pid_running(int(pid))
