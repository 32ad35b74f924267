"""Time rim weighting of 100,000 synthetic respondents on three margins with a cap of 5.

Run from the repository root:

    .venv/bin/python benchmarks/rake.py

Prints the median of 7 runs; the result is recorded in docs/benchmarks.md under "Raking".
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Run as a script, so the repository root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results.weighting import rake

RESPONDENTS = 100_000
REPEATS = 7
CAP = 5.0

# A sample skewed the way council surveys are (older, female, a few keen areas), against
# population shares of the kind a census table gives, so the cap binds and raking iterates.
AGE_SAMPLE = [0.05, 0.09, 0.13, 0.17, 0.20, 0.21, 0.15]
AGE_POPULATION = [0.14, 0.17, 0.16, 0.17, 0.15, 0.12, 0.09]
SEX_SAMPLE = [0.62, 0.38]
SEX_POPULATION = [0.51, 0.49]
AREA_SAMPLE = [0.18, 0.14, 0.12, 0.10, 0.10, 0.09, 0.08, 0.07, 0.06, 0.06]
AREA_POPULATION = [0.10] * 10


def main() -> None:
    rng = np.random.default_rng(2014)
    margins = {
        "age band": rng.choice(len(AGE_SAMPLE), size=RESPONDENTS, p=AGE_SAMPLE),
        "sex": rng.choice(len(SEX_SAMPLE), size=RESPONDENTS, p=SEX_SAMPLE),
        "area": rng.choice(len(AREA_SAMPLE), size=RESPONDENTS, p=AREA_SAMPLE),
    }
    targets = {
        "age band": dict(enumerate(AGE_POPULATION)),
        "sex": dict(enumerate(SEX_POPULATION)),
        "area": dict(enumerate(AREA_POPULATION)),
    }

    seconds = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = rake(margins, targets, cap=CAP)
        seconds.append(time.perf_counter() - started)

    print(
        f"{RESPONDENTS} respondents, 3 margins (7 x 2 x 10 categories), cap {CAP:g}: "
        f"{result.iterations} iterations, max weight {result.max_weight:.3f}, "
        f"efficiency {result.efficiency:.3f}"
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"median of {REPEATS} runs: {statistics.median(seconds):.3f} s")


if __name__ == "__main__":
    main()
