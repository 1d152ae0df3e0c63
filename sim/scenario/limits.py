"""The plausible limits of every quantity in a scenario (used by the schema and by drawn values' checks).

Every quantity has an upper bound (and a lower one where a division by it could overflow) far beyond any real project, region or country, so that every sum, product and plot downstream stays finite (1e308 validated, then the report crashed and the summary printed nan). Each is explained in docs/scenario-format.md ("Plausible limits"); a scenario may use the whole range.
"""

MIN_YEAR = 1900
"""Earliest year of any month (the horizon, online dates, targets, policy dates): before data centres."""
MAX_YEAR = 2200
"""Latest year of any month: two centuries of planning; matplotlib's dates and the month clock hold it."""
MAX_IT_MW = 100_000.0
"""IT MW of one project (100 GW; the largest campuses announced are a few GW)."""
MAX_GRID_MW = 10_000_000.0
"""Facility MW of grid headroom or one addition (10 TW: above the whole world's generating capacity)."""
MAX_PFLOPS = 1e9
"""PFLOPS of one project, of a month's supply or of a threshold (a million EFLOPS)."""
MAX_EFLOPS = 1e9
"""EFLOPS of a target (a billion EFLOPS: beyond any sum of MAX_PFLOPS projects that is still drawable)."""
MAX_CNY = 1e15
"""CNY of one investment or one year's budget (a thousand trillion: several times China's GDP)."""
MIN_PRICE_CNY = 1e-6
"""Lowest voucher price, CNY per PFLOPS-hour: a budget divided by it stays finite."""
MAX_PRICE_CNY = 1e9
"""Highest voucher price, CNY per PFLOPS-hour."""
MAX_MONTHS = 1200.0
"""Months of a ramp, a gap between phases, a delay or a delay reduction (a century)."""
MIN_TEMP_C = -90.0
"""Lowest temperature, degC (the coldest air temperature ever measured is -89.2 degC)."""
MAX_TEMP_C = 60.0
"""Highest temperature, degC (the hottest is 56.7 degC)."""
MAX_PUE = 5.0
"""Highest PUE of a curve point or a cap (the worst facilities measured are near 3)."""
MAX_FACTOR = 1000.0
"""Highest precision factor (conversions between precisions are at most 64)."""
MIN_RACK_KW = 0.1
MAX_RACK_KW = 10_000.0
"""kW of one standard rack: from 0.1 kW (the racks metric divides by it) to 10 MW."""
MAX_SHARE = 100.0
"""Highest multiplier or share that may exceed 1 (an extra capex share, a delay scale)."""
MAX_T_PER_MWH = 10.0
"""Highest emission factor, tCO2 per MWh (coal plants emit about 1)."""
MAX_SIGMA = 10.0
"""Highest sigma of a lognormal (a spread of e^10 = 22,000 times per standard deviation)."""

PLAUSIBLE_LIMITS = frozenset({MAX_IT_MW, MAX_GRID_MW, MAX_PFLOPS, MAX_EFLOPS, MAX_CNY, MIN_PRICE_CNY,
                              MAX_PRICE_CNY, MAX_MONTHS, MIN_TEMP_C, MAX_TEMP_C, MAX_PUE, MAX_FACTOR,
                              MIN_RACK_KW, MAX_RACK_KW, MAX_SHARE, MAX_T_PER_MWH})
"""The bounds above (not the rules of the domain, such as a fraction's 0..1): an unbounded end of a
drawn parameter's distribution is checked at the path's plausible limit instead (sim.scenario.support)."""
