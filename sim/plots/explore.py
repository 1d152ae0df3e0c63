"""The plots of ``capsim explore``: indices per input, indices per year, P(met) over two inputs
(see :mod:`sim.plots` for the conventions; docs/explore.md says how to read them)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..explore.design import percent
from .context import MEDIAN_COLOUR
from .style import Thousands, new_figure, set_title, style_axes, wrap

FIRST_COLOUR = "#1F77B4"
TOTAL_COLOUR = "#AEC7E8"
SIGMA_COLOUR = "#D62728"
UNSTABLE_NOTE = "* unstable: 95% interval wider than ±0.1 (or negative S1); more samples needed"
LABELS = {"ST": "total-order index ST", "S1": "first-order index S1", "mu_star": "Morris μ*",
          "sigma": "Morris σ", "spearman": "Spearman rank correlation"}


def output_label(output: str, unit: str = "", per_year: bool = False) -> str:
    from ..explore.answer import OUTPUT_TITLES, YEAR_TITLES

    if output.startswith("p_met["):
        return f"P(target {output[6:-1]!r} met)"
    name = YEAR_TITLES[output] if per_year and output in YEAR_TITLES else OUTPUT_TITLES.get(output, (output,))[0]
    return f"{name}{f' ({unit})' if unit else ''}"


def sensitivity_bars(sensitivity: pd.DataFrame, output: str, unit: str = "", ax: Axes | None = None,
                     labels: Mapping[str, str] | None = None) -> Figure:
    """One whole-run ``output``'s indices, one row per input, the largest on top: Sobol ST (light)
    and S1 (dark) bars with their 95% intervals; Morris mu* with its interval and sigma as a dot;
    Spearman's correlation as a bar either side of 0. Unstable indices are starred."""
    rows = sensitivity[(sensitivity["output"] == output) & sensitivity["year"].isna()]
    if rows.empty:
        raise ValueError(f"no indices for output {output!r}")
    method = str(rows["method"].iloc[0])
    main = {"sobol": "ST", "morris": "mu_star", "lhs": "spearman"}[method]
    order = (rows[rows["index"] == main].assign(size=lambda t: t["value"].abs())
             .sort_values("size", kind="stable")["parameter"].tolist())
    fig, ax = new_figure(ax, (10, 1.6 + 0.36 * len(order)))
    y = np.arange(len(order))

    def series(index: str) -> pd.DataFrame:
        return rows[rows["index"] == index].set_index("parameter").reindex(order)

    def bars(index: str, offset: float, height: float, colour: str) -> pd.DataFrame:
        s = series(index)
        if index in ("ST", "S1"):  # a Sobol index lies in [0, 1]: estimates beyond are noise, shown clipped
            s = s.assign(**{c: s[c].clip(0, 1) for c in ("value", "ci_low", "ci_high")})
        err = np.vstack([s["value"] - s["ci_low"], s["ci_high"] - s["value"]])
        ax.barh(y + offset, s["value"], height=height, color=colour, label=LABELS[index], gid=f"bars:{index}",
                xerr=None if np.isnan(err).all() else np.clip(err, 0, None), error_kw={"elinewidth": 1, "capsize": 2})
        return s

    if method == "sobol":
        main_rows = bars("ST", 0.18, 0.36, TOTAL_COLOUR)
        bars("S1", -0.18, 0.36, FIRST_COLOUR)
        ax.set_xlabel("share of the output's variance (Sobol index, clipped to 0-1; estimates in sensitivity.csv)")
    elif method == "morris":
        main_rows = bars("mu_star", 0, 0.6, FIRST_COLOUR)
        sigma = series("sigma")
        ax.plot(sigma["value"], y, "o", color=SIGMA_COLOUR, label=LABELS["sigma"], gid="sigma")
        ax.set_xlabel(f"mean absolute change over the input's full range{f' ({unit})' if unit else ''}")
        ax.xaxis.set_major_formatter(Thousands())
    else:
        main_rows = bars("spearman", 0, 0.6, FIRST_COLOUR)
        ax.axvline(0, color=MEDIAN_COLOUR, linewidth=0.8)
        ax.set_xlabel("Spearman rank correlation with the output")
    unstable = ~main_rows["stable"].astype(bool)
    labels = labels or {}
    ax.set_yticks(y, [f"{labels.get(p, p)}{' *' if bad else ''}" for p, bad in zip(order, unstable)])
    style_axes(ax)
    ax.grid(False, axis="y")
    set_title(ax, wrap(f"Which inputs decide {output_label(output, unit)}", 80), loc="left", fontweight="bold")
    ax.legend(loc="lower right", fontsize=9, frameon=False, title=UNSTABLE_NOTE if unstable.any() else None,
              title_fontsize=8)
    return fig


def sensitivity_heatmap(sensitivity: pd.DataFrame, output: str, index: str, unit: str = "",
                        ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Figure:
    """The per-year ``index`` (ST, mu_star or spearman) of a time-dependent ``output``: inputs
    (rows, the largest on average on top) x calendar years; each cell's value is written in it,
    starred when unstable."""
    rows = sensitivity[(sensitivity["output"] == output) & (sensitivity["index"] == index)
                       & sensitivity["year"].notna()]
    if rows.empty:
        raise ValueError(f"no per-year {index} for output {output!r}")
    values = rows.pivot(index="parameter", columns="year", values="value")
    stable = rows.pivot(index="parameter", columns="year", values="stable")
    order = values.abs().mean(axis=1).sort_values(ascending=False, kind="stable").index
    values, stable = values.loc[order], stable.loc[order]
    clipped = index in ("ST", "S1")  # a Sobol index lies in [0, 1]: estimates beyond are noise, shown clipped
    if clipped:
        values = values.clip(0, 1)
    fig, ax = new_figure(ax, (max(7.0, 4.5 + 0.9 * values.shape[1]), 2.2 + 0.34 * len(values)))
    signed = index == "spearman"
    scale = float(np.nanmax(np.abs(values.to_numpy(float)))) or 1.0
    if index in ("ST", "S1"):
        scale = max(scale, 1.0)
    cmap = colormaps["RdBu_r" if signed else "Blues"]
    image = ax.imshow(values.to_numpy(float), aspect="auto", cmap=cmap, vmin=-scale if signed else 0, vmax=scale)
    for (i, j), v in np.ndenumerate(values.to_numpy(float)):
        if np.isfinite(v):
            dark = abs(v) > 0.6 * scale
            ax.text(j, i, f"{v:.2f}{'*' if not bool(stable.iat[i, j]) else ''}", ha="center", va="center",
                    fontsize=8, color="white" if dark else MEDIAN_COLOUR)
    ax.set_xticks(range(values.shape[1]), [str(int(y)) for y in values.columns])
    ax.set_yticks(range(len(values)), [(labels or {}).get(p, p) for p in values.index])
    ax.set_xlabel("calendar year" + ("\n(Sobol index, clipped to 0-1; estimates in sensitivity.csv)" if clipped else ""))
    fig.colorbar(image, ax=ax, label=LABELS[index], shrink=0.8)
    # wrapped to the axes' own width (long input names push it right): the title fits the image
    set_title(ax, wrap(f"{LABELS[index]} of {output_label(output, unit, per_year=True)}, per year (* unstable)",
                      max(30, int(4 * fig.get_figwidth()))), loc="left", fontweight="bold")
    return fig


def pmet_map(samples: pd.DataFrame, x: str, y: str, target: str, probability: float,
             units: Mapping[str, str] | None = None, ax: Axes | None = None, labels: Mapping[str, str] | None = None,
             box: Mapping[str, tuple[float, float]] | None = None) -> Figure:
    """P(target met) of every sample (colour) against two inputs ``x`` and ``y`` (usually the two
    most influential): where the colour turns from blue (met) to red (missed) is the edge of the
    region in which the target is met; samples below ``probability`` are ringed. ``box``: PRIM's
    box of the misses ({input: (low, high)}, NaN an open side), drawn dashed on the two inputs;
    inputs named by their ``labels``."""
    units, labels = units or {}, labels or {}
    column = f"p_met[{target}]"
    fig, ax = new_figure(ax, (8, 6))
    p = samples[column].to_numpy(float)
    missed = p < probability
    points = ax.scatter(samples[x], samples[y], c=p * 100, cmap=colormaps["RdYlBu"], vmin=0, vmax=100, s=22,
                        linewidths=0, gid="samples")
    ax.scatter(samples[x][missed], samples[y][missed], s=46, facecolors="none", edgecolors=MEDIAN_COLOUR,
               linewidths=0.6, label=f"P(met) below {percent(probability)}", gid="missed")
    colorbar = fig.colorbar(points, ax=ax, label="P(target met), share of replications")
    colorbar.ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    for axis, name, setter in ((ax.xaxis, x, ax.set_xlabel), (ax.yaxis, y, ax.set_ylabel)):
        axis.set_major_formatter(Thousands())
        unit = units.get(name, "")
        setter(f"{labels.get(name, name)}{f' ({unit})' if unit else ''}")
    if box and (x in box or y in box):
        from matplotlib.patches import Rectangle

        def side(name: str, values: pd.Series) -> tuple[float, float]:
            low, high = box.get(name, (np.nan, np.nan))
            return (float(values.min()) if np.isnan(low) else low, float(values.max()) if np.isnan(high) else high)

        (x0, x1), (y0, y1) = side(x, samples[x]), side(y, samples[y])
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, linestyle="--", linewidth=1.6,
                               edgecolor=MEDIAN_COLOUR, label="PRIM box of the misses", gid="prim-box", zorder=4))
    style_axes(ax)
    if missed.any() or box:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), fontsize=9, frameon=False)
    set_title(ax, wrap(f"Where {target!r} is met: P(met) of each sample over the two inputs that decide it most",
                       70), loc="left", fontweight="bold")
    return fig
