"""Policy levers: what the ``policies`` block does to the plan, the draws and the monthly series.

One module per lever, each optional (docs/model.md and docs/policies.md give the rules and the
reasons):

* :mod:`.pue_cap` changes the scenario before it is compiled: a project whose design annual PUE is
  above the cap is rejected (never built) or upgraded to another cooling (more investment, a later
  planned online month). :func:`apply_pue_cap`.
* :mod:`.subsidy` (``capex_subsidy``) pays a share of an eligible project's investment as each
  phase comes online, within an optional annual budget (unpaid claims wait, in order, for the next
  year's budget). Its assumed effect on investors raises the go probability and shortens the drawn
  delay.
* :mod:`.fast_track` scales the drawn delay of registered and planned projects.
* :mod:`.vouchers` (``compute_vouchers``) buy PFLOPS-hours on the spare part of online intelligent
  capacity, which raises its IT load and so the power and energy metrics.
* :mod:`.emissions` splits facility energy into green and grid energy and counts grid carbon.

:mod:`.acts` holds the rule they share, when a lever acts (``from``/``until``: which decisions it
reaches, which months it is in force, its budget pro rata). :mod:`.compile` compiles the levers
into :class:`~sim.engine.plan.PolicyPlan` arrays (defined beside the plan that keeps them);
:mod:`.apply` applies them to a block's draws and turns the per-month sums of
:mod:`sim.engine.series` into the policy metrics. A new lever is a new module here, its fields in
``PolicyPlan``, and its part in :func:`build_policy_plan` and :func:`policy_metrics`.

The levers act on the draws of :mod:`sim.engine.draws`, never on the random streams themselves:
with or without a policy, a project sees the same uniform for its go decision and the same drawn
delay, so two variants differ only by what the policy does (common random numbers).
"""

from __future__ import annotations

from ..plan import PolicyPlan
from .acts import decision_open
from .apply import POLICY_METRICS, adjust_draws, phase_arrays, policy_metrics
from .compile import build_policy_plan, refresh_policy, refresh_policy_block
from .fast_track import FAST_TRACK_STATUSES
from .pue_cap import DAYS_IN_MONTH, PUE_CAP_OUTCOMES, apply_pue_cap, design_annual_pue
from .rows import block_policy, policy_rows
from .subsidy import pay_subsidy, subsidy_eligible
from .vouchers import buy_vouchers

__all__ = [
    "DAYS_IN_MONTH", "FAST_TRACK_STATUSES", "POLICY_METRICS", "PUE_CAP_OUTCOMES", "PolicyPlan", "adjust_draws",
    "apply_pue_cap", "block_policy", "build_policy_plan", "buy_vouchers", "decision_open", "design_annual_pue",
    "pay_subsidy", "phase_arrays", "policy_metrics", "policy_rows", "refresh_policy", "refresh_policy_block",
    "subsidy_eligible",
]
