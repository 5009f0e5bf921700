"""The launch part of `make bench` three times (`--runs`), each a fresh run.py (its own database, driver, key set
and servers), then each run's ratios and the median per target: issue 30's "median ratio of three runs".

    .venv/bin/python bench/median.py [--runs 3] [run.py options, e.g. --seconds 10 --rate 40]

A target with bounds (the ratios to pylti1p3, pylti1p3's CPU against FACTS) is judged on the median of the runs;
one without (one redirect, no errors, JWKS once) is met only if it held in every run. Each run's own table and
targets are printed as it ends. Exit status: non-zero if any run failed or had errors.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def judged(target: dict, value: float | None) -> bool | None:
    if value is None:
        return None
    return (target["low"] is None or value >= target["low"]) and (target["high"] is None or value <= target["high"])


def shown(target: dict, value) -> str:
    if value is None:
        return "–"
    if target["unit"] == "×":
        return f"{value:.2f}×"
    if target["unit"] == "ms":
        return f"{value:.2f} ms"
    if target["unit"] == "share":
        return f"{100 * value:.0f} %"
    return f"{value:g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args, passed = parser.parse_known_args()
    runs, failed = [], 0
    with tempfile.TemporaryDirectory(prefix="rexvet-median-") as directory:
        for number in range(1, args.runs + 1):
            summary = Path(directory) / f"run-{number}.json"
            print(f"\n# Run {number} of {args.runs}", flush=True)
            completed = subprocess.run([sys.executable, str(BENCH / "run.py"), "--parts", "launch",
                                        "--summary-json", str(summary), *passed])
            failed += completed.returncode != 0
            if not summary.exists():
                print(f"bench: run {number} left no summary (exit {completed.returncode})", file=sys.stderr)
                return 1
            runs.append(json.loads(summary.read_text())["targets"])

    print(f"\n## Launch targets over {args.runs} runs (median judged where the target has a bound; the others must "
          "hold in every run)\n")
    print("| target | " + " | ".join(f"run {n}" for n in range(1, args.runs + 1)) + " | median | |")
    print("|---|" + "---:|" * args.runs + "---:|---|")
    for per_run in zip(*runs, strict=True):
        first = per_run[0]
        values = [target["value"] for target in per_run]
        if "low" in first:
            measured = [value for value in values if value is not None]
            median = statistics.median(measured) if len(measured) == len(values) else None
            met = judged(first, median)
        else:
            median = None
            met = None if any(target["met"] is None for target in per_run) else all(t["met"] for t in per_run)
        verdict = {True: "met", False: "**missed**", None: "not measured"}[met]
        cells = " | ".join(shown(first, value) for value in values)
        print(f"| {first['text']} | {cells} | {shown(first, median) if 'low' in first else 'every run'} | {verdict} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
