"""Reads cargo's --timings HTML: prints the uumit-api units and the slowest units."""

import json
import re
import sys
from pathlib import Path

html = Path(sys.argv[1]).read_text()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", html, re.S).group(1))


def label(unit: dict) -> str:
    mode = unit.get("mode", "")
    target = unit.get("target", "")
    return f"{unit['name']} {unit['version']}{target} ({mode})"


for unit in units:
    if unit["name"] in ("uumit-api", "uumit-codegen"):
        print(f"  {label(unit)}: {unit['duration']:.1f} s")
print("  slowest units:")
for unit in sorted(units, key=lambda u: -u["duration"])[:12]:
    print(f"    {label(unit)}: {unit['duration']:.1f} s")
