"""Summarizes bench/emulator-load.sh: medians per server and operation, paired ratios."""

import statistics
import sys
from collections import defaultdict
from pathlib import Path

out = Path(sys.argv[1])
runs = defaultdict(dict)
for line in (out / "rounds").read_text().splitlines():
    round_, op, server, rate, p50, p99, non2xx, errors = line.split()
    runs[(op, int(round_))][server] = (float(rate), float(p50), float(p99), int(non2xx), int(errors))

for op in ("stats", "page"):
    rounds = [runs[key] for key in sorted(runs) if key[0] == op]
    print(f"-- {op}")
    for server in ("emulator", "prism", "fixed"):
        rates = [r[server][0] for r in rounds]
        p50 = statistics.median(r[server][1] for r in rounds)
        p99 = statistics.median(r[server][2] for r in rounds)
        bad = sum(r[server][3] + r[server][4] for r in rounds)
        print(
            f"{server:>8}: median {statistics.median(rates):.0f} req/s "
            f"(min {min(rates):.0f}, max {max(rates):.0f}), p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
            f"non-2xx + socket errors {bad}"
        )
    for peer in ("prism", "fixed"):
        ratios = [r["emulator"][0] / r[peer][0] for r in rounds]
        print(
            f"emulator/{peer}: median {statistics.median(ratios):.3f} "
            f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {len(ratios)} paired rounds"
        )

for name in ("emulator", "prism"):
    starts = sorted(int(v) for v in (out / f"startup-{name}").read_text().split())
    print(f"startup {name}: median {statistics.median(starts)} ms (min {starts[0]}, max {starts[-1]})")
