""""Peak monthly facility power" is one number wherever it is printed: the month with the highest
median (the verdict, the summary, the report's key figure); each run's own peak is named apart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.summary import peak_text
from sim.analysis.verdict import grid_text

# three runs x three months (MW): the medians by month are 10, 25, 28, so the highest median is
# 28 in the third month, whose P10/P90 (linear) are 20 + 0.2 * 8 = 21.6 and 28 + 0.8 * 12 = 37.6;
# each run's own peak is 30, 40, 28: median 30, P10 28 + 0.2 * 2 = 28.4, P90 30 + 0.8 * 10 = 38.
POWER = np.array([[10.0, 30.0, 20.0],
                  [10.0, 20.0, 40.0],
                  [10.0, 25.0, 28.0]])


def test_summary_names_the_highest_median_and_each_runs_peak_apart():
    assert peak_text(POWER, "2025-01") == (
        "peak monthly facility power: 28 [22 - 38] MW in 2025-03, the month with the highest median; "
        "each run's own peak month: 30 [28 - 38] MW")


def test_verdict_peak_is_the_same_highest_median():
    monthly = pd.DataFrame({"metric": "facility_mw", "month": ["2025-01", "2025-02", "2025-03"],
                            "p10": [10.0, 21.0, 21.6], "p50": [10.0, 25.0, 28.0], "p90": [10.0, 29.0, 37.6]})
    assert grid_text({}, monthly).startswith("peak facility 28 MW (median), +18 MW over 2025-01")


def test_each_runs_peak_is_left_out_when_it_reads_the_same():
    power = np.array([[1.0, 5.0], [2.0, 6.0], [3.0, 7.0]])  # every run peaks in the last month
    assert peak_text(power, "2025-01") == ("peak monthly facility power: 6 [5 - 7] MW in 2025-02, "
                                          "the month with the highest median")
