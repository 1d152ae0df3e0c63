"""The compiled levers of a block of replications: each replication's plan has its own
:class:`~sim.engine.plan.PolicyPlan` (shared where its draws change nothing the levers read)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..plan import Plan


def policy_rows(plans: list[Plan], name: str) -> np.ndarray:
    """(R, ...) a PolicyPlan array of every replication's plan (one array when they share it)."""
    first = getattr(plans[0].policy, name)
    if all(getattr(p.policy, name) is first for p in plans):
        return np.broadcast_to(first, (len(plans),) + np.shape(first))
    return np.stack([getattr(p.policy, name) for p in plans])


def block_policy(plans: list[Plan]):
    """What :func:`sim.engine.policies.adjust_draws` reads, (R, J) for a block of replications."""
    return dataclasses.replace(plans[0].policy, **{name: policy_rows(plans, name) for name in
                                                   ("rejected", "delay_scale", "delay_reduction_months")})
