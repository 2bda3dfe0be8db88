"""The daemon at rest, and the command line's cold start.

Usage: python bench/daemon.py [--seconds N]

Starts `dmguard run` (with the default sandbox config, in a scratch folder),
waits for its first tick, then samples its resident memory and CPU time over N
idle seconds. Then times `dmguard --help` from a cold process ten times.
Prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def idle(seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="dmguard-idle-"))
    shutil.copytree(ROOT / "config", folder / "config")
    dmguard = Path(sys.executable).with_name("dmguard")
    process = subprocess.Popen([str(dmguard), "run"], cwd=folder, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "tick account=" in process.stderr.readline():
                break
        time.sleep(3)
        cpu_before, started = cpu_seconds(process.pid), time.monotonic()
        peak = rss_mib(process.pid)
        while time.monotonic() - started < seconds:
            time.sleep(1)
            peak = max(peak, rss_mib(process.pid))
        busy = (cpu_seconds(process.pid) - cpu_before) / (time.monotonic() - started)
        print(f"daemon idle for {seconds:.0f} s after its first tick: RSS {rss_mib(process.pid):.0f} "
              f"MiB (peak {peak:.0f} MiB), CPU {busy:.2%} of one core")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        print(f"SIGTERM: exit code {code}")
        shutil.rmtree(folder, ignore_errors=True)


def cold_start(runs: int = 10) -> None:
    dmguard = Path(sys.executable).with_name("dmguard")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(dmguard), "--help"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    print(f"`dmguard --help` cold start: median {statistics.median(times):.3f} s, best "
          f"{min(times):.3f} s over {runs} runs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    idle(args.seconds)
    cold_start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
