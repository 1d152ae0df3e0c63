"""Results of a run: per-replication arrays and the tables built from them.

``Results`` is what :func:`sim.simulate` returns. Its tables (``monthly``, ``annual``,
``targets``, ``projects``) are pandas DataFrames in the layout of the output files; ``series``
holds the per-replication monthly arrays they summarise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..engine.plan import Plan
from ..engine.series import MonthlySeries
from ..months import month_labels
from ..scenario.schema import Scenario
from . import statistics
from .criteria import extra_rows
from .sites import sites_table

if TYPE_CHECKING:
    import pandas as pd


REMOTE_TABLES = ("sites", "monthly")
"""The tables :meth:`Results.tables` has made elsewhere when it can (the largest)."""


@dataclass
class Results:
    scenario: Scenario
    variant: str
    seed: int
    replications: int
    plan: Plan
    series: MonthlySeries  # metric -> (R, M); includes it_energy_mwh
    site_series: dict[str, np.ndarray]  # sim.engine.sites.SITE_STORED -> (R, S, M), sites as plan.site_ids
    project_go: np.ndarray  # (R, J)
    project_first_on: np.ndarray  # (R, J) months from start, inf if never
    project_policy_shift: np.ndarray  # (R, J) months the levers moved each project's drawn delay
    grid_wait: np.ndarray  # (R, P)
    supply_wait: np.ndarray  # (R, P)
    events: int
    info: dict = field(default_factory=dict)

    @property
    def months(self) -> list[str]:
        return month_labels(self.scenario.horizon.start, self.plan.n_months)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """variant, month, metric, mean, p5, p10, p50, p90, p95."""
        return statistics.monthly_table(self.variant, self.scenario.horizon.start, self.series,
                                        extra_rows(self.scenario, self.series, "monthly"))

    @cached_property
    def annual(self) -> pd.DataFrame:
        """variant, year, metric, mean, p5, ..., p95 (stocks at year end, energy summed)."""
        return statistics.annual_table(self.variant, self.scenario.horizon.start, self.series, self.plan.hours,
                                       extra_rows(self.scenario, self.series, "annual"))

    @cached_property
    def sites(self) -> pd.DataFrame:
        """variant, month, site, metric, mean, p10, p50, p90 (it_load_mw, facility_mw, energy_mwh)."""
        return sites_table(self.variant, self.scenario.horizon.start, self.plan.site_ids, self.site_series,
                           self.plan.hours)

    def tables(self, names: tuple[str, ...], remote=None) -> dict[str, pd.DataFrame]:
        """The tables ``names`` (attributes of this object, each computed once). ``remote(name)``,
        when given, starts computing the table ``name`` elsewhere and returns a
        :class:`concurrent.futures.Future` of it (e.g. in a worker forked from this process, see
        :func:`sim.run.parallel.attribute_of`): the two largest, the per-site and the monthly
        table, are made that way while this process makes the others. The same tables either way."""
        pending = {}
        if remote is not None:
            pending = {name: remote(name) for name in names if name in REMOTE_TABLES and name not in self.__dict__}
        try:
            out = {name: getattr(self, name) for name in names if name not in pending}
            for name, future in pending.items():
                self.__dict__[name] = out[name] = future.result()  # where cached_property keeps it
        finally:
            for future in pending.values():
                future.cancel()
        return {name: out[name] for name in names}

    @cached_property
    def target_outcomes(self) -> tuple[np.ndarray, np.ndarray]:
        """(met, reached) per replication and target; see :func:`statistics.target_outcomes`."""
        return statistics.target_outcomes(self.scenario, self.series)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """variant, target, by, probability, reached_p10, reached_p50, reached_p90."""
        met, reached = self.target_outcomes
        return statistics.targets_table(self.variant, self.scenario, met, reached)

    @cached_property
    def projects(self) -> pd.DataFrame:
        """One row per project: go share, online month percentiles, mean waits."""
        return statistics.projects_table(
            self.variant, self.scenario, self.project_go, self.project_first_on,
            self.grid_wait, self.supply_wait, self.plan.phase_project, self.plan.policy,
            plan=self.plan, policy_shift=self.project_policy_shift,
        )

    def metric(self, name: str) -> np.ndarray:
        """(replications, months) array of a monthly metric."""
        return self.series[name]
