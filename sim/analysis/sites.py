"""The per-site table (``sites.csv``): monthly power and energy of each site across replications.

One row per (month, site, metric) for ``it_load_mw``, ``facility_mw`` and ``energy_mwh``
(:data:`sim.engine.sites.SITE_METRICS`): the mean and the 10th, 50th and 90th percentiles across
replications, as in ``monthly.csv``. The percentiles of each site are taken on their own, so the
sites' medians need not add up to the province's median (their means do).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..engine.sites import SITE_METRICS
from ..months import month_labels
from .statistics import summarise_scaled

if TYPE_CHECKING:
    import pandas as pd

SITE_QUANTILES = ("p10", "p50", "p90")
SITE_COLUMNS = ("variant", "month", "site", "metric", "mean", *SITE_QUANTILES)


def sites_table(variant: str, start: str, site_ids: tuple[str, ...], stored: dict[str, np.ndarray],
                hours: np.ndarray) -> pd.DataFrame:
    """variant, month, site, metric, mean, p10, p50, p90; rows by month, then site (the file's
    order), then metric (:data:`SITE_METRICS` order)."""
    import pandas as pd  # imported when a table is made (about 0.2 s)
    n_months = hours.shape[0]
    n_sites = len(site_ids)
    months = month_labels(start, n_months)
    # facility_mw and energy_mwh share one partition, as do it_load_mw and the IT energy
    energy = summarise_scaled(stored["site_energy_mwh"], (hours, None), SITE_QUANTILES)
    stats = {"it_load_mw": summarise_scaled(stored["site_it_energy_mwh"], (hours,), SITE_QUANTILES)[0],
             "facility_mw": energy[0], "energy_mwh": energy[1]}
    frames = []
    for name in SITE_METRICS:
        frames.append(pd.DataFrame({
            "variant": variant,
            "month": np.tile(months, n_sites),
            "site": np.repeat(site_ids, n_months),
            "metric": name,
            **{k: stats[name][k].reshape(n_sites * n_months) for k in ("mean", *SITE_QUANTILES)},
        }))
    table = pd.concat(frames, ignore_index=True)
    order = {"site": {s: i for i, s in enumerate(site_ids)}, "metric": {m: i for i, m in enumerate(SITE_METRICS)}}
    table = table.sort_values(["month", "site", "metric"], kind="stable",
                              key=lambda c: c.map(order[c.name]) if c.name in order else c)
    return table.reset_index(drop=True)[list(SITE_COLUMNS)]
