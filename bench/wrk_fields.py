"""Reads a wrk --latency report on stdin; prints `req/s p50_ms p99_ms non2xx errors`."""

import re
import sys


def millis(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


report = sys.stdin.read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", report).group(1)
p50 = millis(re.search(r"^\s+50%\s+(\S+)", report, re.M).group(1))
p99 = millis(re.search(r"^\s+99%\s+(\S+)", report, re.M).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
print(
    rate,
    f"{p50:.3f}",
    f"{p99:.3f}",
    non2xx.group(1) if non2xx else 0,
    sum(map(int, errors.groups())) if errors else 0,
)
