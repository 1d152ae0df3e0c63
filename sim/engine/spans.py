"""Monthly sums over phases from each phase's span of months, without a (replications x phases x
months) array.

A phase online at ``on`` and retired at ``off`` is fully on in every month strictly between its
on-month ``a = floor(on)`` and its off-month ``b = floor(off)``, and partly on only in those two.
With a utilisation ramp of R months its load is linear in the month index in the months fully
inside the ramp (up to ``e = floor(on + R)``), and at full load from ``e + 1``. So a monthly sum
over phases is made of:

* ranges of whole months where each phase adds a constant (or a constant plus a multiple of the
  month index), summed as +value at the range's first month and -value after its last, then a
  cumulative sum over the months (:func:`range_sums`);
* the few edge months (a, e, b) of each phase, whose exact fractions use the same formulas as a
  month-by-month evaluation (overlap of the month, :func:`ramp_shortfall`), added with
  ``np.bincount``.

Every sum runs over one replication's phases in a fixed order (``bincount`` adds in input order;
the cumulative sums run along each row), so a replication's numbers do not depend on the other
rows of the block. A month in which no phase with a non-zero value is in range is exactly 0, so a
stock whose phases all retired is 0, not a rounding residue.
"""

from __future__ import annotations

import numpy as np


def month_bins(times: np.ndarray, n_months: int) -> np.ndarray:
    """floor(times) as int64, clipped to [-1, n_months] (inf and times past the horizon give n_months)."""
    return np.clip(np.floor(times), -1.0, float(n_months)).astype(np.int64)


def range_sums(starts: np.ndarray, stops: np.ndarray, weights: list[np.ndarray], n_months: int) -> list[np.ndarray]:
    """For each (R, P) array of ``weights``: (R, M) sums of the weights of the phases whose range
    [start, stop) of months holds month m (months outside [0, M) are dropped).

    A month where no phase with a non-zero weight is in range is exactly 0 (a count of those phases
    is kept beside each sum), so a stock whose phases all retired is 0, not a rounding residue.
    """
    n_reps, n_weights = starts.shape[0], len(weights)
    row = 2 * n_weights * n_reps  # one row of bins per month: (weight, sum | count, replication)
    first, last, column = _ranges(starts, stops, n_months)
    valid = _valid(starts, stops, n_months)
    into = np.stack([first * row + column, last * row + column, first * row + (column + n_reps),
                     last * row + (column + n_reps)])
    index = into[None] + (2 * n_reps * np.arange(n_weights))[:, None, None]  # (weight, 4, phase range)
    w = np.stack([np.broadcast_to(weight, starts.shape)[valid] for weight in weights])
    present = (w != 0).astype(float)
    values = np.stack([w, -w, present, -present], axis=1)
    bins = np.bincount(index.ravel(), values.ravel(), (n_months + 1) * row)
    running = cumulate(bins.reshape(n_months + 1, n_weights, 2, n_reps)[:n_months])
    return [np.where(running[:, k, 1] > 0.5, running[:, k, 0], 0.0).T for k in range(n_weights)]


def cumulate(rows: np.ndarray) -> np.ndarray:
    """Cumulative sum down the first axis, in place (a loop over the months: each step adds whole
    rows, several times faster than ``np.cumsum`` along a short axis, and the same sums)."""
    for m in range(1, len(rows)):
        np.add(rows[m - 1], rows[m], out=rows[m])
    return rows


def _valid(starts: np.ndarray, stops: np.ndarray, n_months: int) -> np.ndarray:
    """(R, P) bool: the range [start, stop) holds at least one month of the horizon."""
    return np.clip(stops, 0, n_months) > np.clip(starts, 0, n_months)


def _ranges(starts: np.ndarray, stops: np.ndarray, n_months: int, n_cats: int = 1, cats=None):
    """(first month, stop month, column) of the ranges that hold a horizon month, flattened; the
    column is the replication's (or (replication, category)'s with ``cats``)."""
    valid = _valid(starts, stops, n_months)
    column = np.arange(starts.shape[0])[:, None] * n_cats
    if cats is not None:
        column = column + cats
    column = np.broadcast_to(column, starts.shape)[valid]
    return np.clip(starts, 0, n_months)[valid], np.clip(stops, 0, n_months)[valid], column


def ramp_shortfall(t_on, t_off, month_start, month_end, ramp_months) -> np.ndarray:
    """Months of full load missing in each month from a linear ramp, per unit of the ramp's drop.

    A phase online at ``t_on`` with a ramp of R months runs at (1 - s) of its ramp's drop below its
    full load at time t, s = max(0, 1 - (t - t_on) / R). This is the exact integral of s over the
    part of [month_start, month_end) the phase is online; 0 without a ramp (R = 0).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ramp = np.where(ramp_months > 0, ramp_months, 1.0)

        def area(x):  # integral of max(0, 1 - u / R) du from 0 to x (x >= 0)
            return np.where(x < ramp, x - x * x / (2.0 * ramp), ramp / 2.0)

        a = np.maximum(t_on, month_start)
        b = np.maximum(a, np.minimum(t_off, month_end))
        value = area(b - t_on) - area(a - t_on)
        return np.where((ramp_months > 0) & (b > a), value, 0.0)


class PhaseMonths:
    """The month structure of a block's phases: (R, P) online and retirement times and ramp months.

    :meth:`flow` gives the monthly integral of a per-phase rate that is ``base`` once ramped up and
    ``base + ramp x s(t)`` while ramping (s the ramp's shortfall, see :func:`ramp_shortfall`),
    over the part of each month the phase is online, in months (a fraction of the month).
    """

    def __init__(self, on: np.ndarray, off: np.ndarray, ramp_months: np.ndarray | None, n_months: int):
        self.on, self.off, self.n_months = on, off, n_months
        self.shape = on.shape
        self.ramped = ramp_months is not None
        ramp = np.broadcast_to(0.0 if ramp_months is None else ramp_months, on.shape)
        self.ramp = ramp
        self.a = month_bins(on, n_months)
        self.b = month_bins(off, n_months)
        with np.errstate(invalid="ignore"):
            self.e = np.where(ramp > 0, month_bins(on + ramp, n_months), self.a) if self.ramped else self.a
        self.e = np.minimum(np.maximum(self.e, self.a), n_months)
        # edge months, each evaluated once: a; e if not a; b if neither
        slots = [self.a]
        if self.ramped:
            slots.append(np.where(self.e != self.a, self.e, -1))
        slots.append(np.where((self.b != self.a) & (self.b != self.e), self.b, -1))
        self.edges = []
        for month in slots:
            use = (month >= 0) & (month < n_months)
            start = month.astype(float)
            overlap = np.clip(np.minimum(off, start + 1.0) - np.maximum(on, start), 0.0, 1.0)
            shortfall = ramp_shortfall(on, off, start, start + 1.0, ramp) if self.ramped else None
            self.edges.append((use, month, overlap, shortfall))
        if self.ramped:
            safe = np.where(ramp > 0, ramp, 1.0)
            self.ramp_start = self.a + 1
            self.ramp_stop = np.where(ramp > 0, np.minimum(self.e, self.b), self.ramp_start)
            self.ramp_c = 1.0 + (np.where(np.isfinite(on), on, 0.0) - 0.5) / safe
            self.ramp_d = 1.0 / safe
        self.full_start = self.e + 1
        self._index: dict = {}  # (id of groups, number of groups) -> bins of flow's values
        self._groups: list = []
        self._levels: dict = {}  # flow's key -> its levels by group (see flow)

    def edge_values(self, base: np.ndarray, ramp: np.ndarray | None):
        """[(use, month, value)] per edge slot: the exact integral in that month, (R, P) each."""
        out = []
        for use, month, overlap, shortfall in self.edges:
            value = base * overlap
            if ramp is not None and shortfall is not None:
                value = value + ramp * shortfall
            out.append((use, month, value))
        return out

    def flow(self, base: np.ndarray, ramp: np.ndarray | None = None, pue: np.ndarray | None = None,
             groups: np.ndarray | None = None, by_site=None, key: str | None = None):
        """(R, M) monthly sum over phases of the rate's integral, in rate x months.

        With ``pue`` (R, G, M) and ``groups`` (R, P) (each phase's PUE group), returns the pair
        (sum, sum with each phase's integral weighted by its group's PUE in the month). With
        ``by_site`` = (site of each phase (R, P), site of each group (R, G), number of sites) the
        sums are per site: (R, S, M). With ``key``, the monthly levels by group are kept under that
        name and reused by the next call with the same key, which must pass the same rate, PUE and
        groups (the province's and the sites' sums of one block share them).
        """
        if key is not None and key in self._levels:
            level, empty, edges, weighted = self._levels[key]
        else:
            level, empty, edges = self._levels_by_group(base, ramp, pue, groups)
            weighted = None if pue is None else level * pue.transpose(2, 0, 1)
            if key is not None:
                self._levels[key] = (level, empty, edges, weighted)
        sums = [self._total(level, empty, by_site, edges, None, groups)]
        if pue is not None:
            sums.append(self._total(weighted, empty, by_site, edges, pue, groups))
        return sums[0] if pue is None else tuple(sums)

    def _levels_by_group(self, base, ramp, pue, groups):
        """((M, R, G) the whole months' sums by PUE group, (M, R) months with no phase in range,
        the edge months' exact values) of one rate."""
        n_reps, n_months = self.shape[0], self.n_months
        n_cats = 1 if pue is None else pue.shape[1]
        width = n_reps * n_cats
        base = np.broadcast_to(base, self.shape)
        segments = [(self.full_start, self.b, base, 0)]  # (first month, stop, weight, 0 flat / 1 slope)
        if self.ramped:  # months fully inside the ramp: alpha + month x beta
            ramp = np.broadcast_to(0.0 if ramp is None else ramp, self.shape)
            segments += [(self.ramp_start, self.ramp_stop, base + ramp * self.ramp_c, 0),
                         (self.ramp_start, self.ramp_stop, -(ramp * self.ramp_d), 1)]
        planes = 3 if self.ramped else 2  # flat, (slope), count of phases with a non-zero weight
        index, masks = self._bin_index(groups, n_cats, [(starts, stops, plane) for starts, stops, _, plane in segments])
        values = []
        for (_, _, weight, _), valid in zip(segments, masks):
            w = weight[valid]
            present = (w != 0).astype(float)
            values += [w, -w, present, -present]
        bins = np.bincount(index, np.concatenate(values), (n_months + 1) * planes * width)
        running = cumulate(bins.reshape(n_months + 1, planes, n_reps, n_cats)[:n_months])
        level = running[:, 0]  # (M, R, G)
        if self.ramped:
            level = level + np.arange(n_months, dtype=float)[:, None, None] * running[:, 1]
        empty = running[:, planes - 1, :, 0] < 0.5  # (M, R): no phase with a non-zero weight in range
        return level, empty, self.edge_values(base, ramp if self.ramped else None)

    def _bin_index(self, groups, n_cats: int, segments):
        """(bin of each value, valid mask per segment) of :meth:`flow`'s bincount; the same for every
        flow of the block with the same groups, so it is worked out once."""
        key = (id(groups), n_cats)
        if key in self._index:
            return self._index[key]
        n_reps = self.shape[0]
        width = n_reps * n_cats
        row = (3 if self.ramped else 2) * width
        count_plane = row - width
        index, masks = [], []
        for starts, stops, plane in segments:
            first, last, column = _ranges(starts, stops, self.n_months, n_cats, groups)
            counted = column - column % n_cats + count_plane  # the replication's group 0
            index += [first * row + (column + plane * width), last * row + (column + plane * width),
                      first * row + counted, last * row + counted]
            masks.append(_valid(starts, stops, self.n_months))
        self._groups.append(groups)  # keeps id(groups) from being reused while cached
        self._index[key] = (np.concatenate(index), masks)
        return self._index[key]

    def _total(self, level, empty, by_site, edges, pue, groups) -> np.ndarray:
        """(R, M) or (R, S, M): ``level`` (M, R, G) summed over groups (or into sites), 0 where
        ``empty``, plus the edge months' exact values (times the PUE of the month if ``pue``)."""
        n_months, n_reps, n_cats = level.shape
        if by_site is None:
            total = level[:, :, 0].copy()
            for c in range(1, n_cats):
                total += level[:, :, c]
            total[empty] = 0.0
            total = total.T  # (R, M)
            n_out, where = 1, None
        else:
            where, group_site, n_out = by_site
            total = np.zeros((n_out, n_months, n_reps))
            if (group_site == group_site[:1]).all():  # the same sites in every row
                for c in range(n_cats):
                    total[group_site[0, c]] += level[:, :, c]
            else:
                for c in range(n_cats):
                    for site in np.unique(group_site[:, c]):
                        rows = group_site[:, c] == site
                        total[site][:, rows] += level[:, rows, c]
            total[:, empty] = 0.0
            total = total.transpose(2, 0, 1)  # (R, S, M)
        out = np.zeros(n_reps * n_out * n_months)
        row_base = np.arange(n_reps)[:, None] * (n_out * n_months)
        if where is not None:
            row_base = row_base + where * n_months
        row_base = np.broadcast_to(row_base, self.shape)
        for use, month, value in edges:
            if not use.any():  # adding zeros to sums that start at +0.0 changes no bit
                continue
            if pue is not None:
                value = value * _gather(pue, groups, month)
            out += np.bincount((row_base + month)[use], value[use], out.size)
        out = out.reshape(total.shape)
        out += total
        return out


def _gather(pue: np.ndarray, cats: np.ndarray | None, month: np.ndarray) -> np.ndarray:
    """pue[r, cats[r, p], month[r, p]] for every (r, p) (month clipped into the horizon)."""
    n_reps, n_cats, n_months = pue.shape
    month = np.clip(month, 0, n_months - 1)
    c = 0 if cats is None else cats
    if pue.strides[0] == 0:  # the same PUE in every row (a broadcast view): read its first row
        return np.ascontiguousarray(pue[0]).ravel().take(c * n_months + month)
    if pue.flags.c_contiguous:  # a flat take is several times faster than pue[rows, c, month]
        return pue.ravel().take((np.arange(n_reps)[:, None] * n_cats + c) * n_months + month)
    return pue[np.arange(n_reps)[:, None], c, month]
