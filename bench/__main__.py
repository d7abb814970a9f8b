"""Run every benchmark in turn (`make bench`); each prints its own figures."""

import subprocess
import sys

BENCHMARKS = ["bench.proposals_list", "bench.staff_sync", "bench.client_sync", "bench.link_health"]

if __name__ == "__main__":
    for module in BENCHMARKS:
        subprocess.run([sys.executable, "-m", module], check=True)
