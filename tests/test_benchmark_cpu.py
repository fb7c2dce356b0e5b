import os
import subprocess
import sys

from benchmarks.cpu import CPUACCT, cpu_meter


def test_the_cpu_meter_counts_descendants_and_leaves_no_cgroup_behind():
    """Where a cpuacct cgroup can be made (cgroup v1, root) it holds the benchmark; a descendant still running
    when the measurement ends (a warm sandbox) must not keep the cgroup from being removed."""
    with cpu_meter() as cpu_seconds:
        subprocess.run([sys.executable, "-c", "sum(i * i for i in range(2_000_000))"], check=True)
        used = cpu_seconds()
        lingering = subprocess.Popen(["sleep", "30"])
    try:
        assert used > 0.05  # the child's CPU time, not only this process's
        assert not (CPUACCT / f"benchmark-{os.getpid()}").exists()
    finally:
        lingering.kill()
        lingering.wait()
