"""The compiled core: random streams, exact samplers, and one small function per mechanism.

Every mechanism of :data:`STEP_ORDER` is a Numba function that reads and writes one run's state
(``s``), today's figures (``D``) and that run's parameters (``p``), and draws only from its own
random stream (a row of ``g``). :func:`run_block` takes the runs of a block one at a time and steps
each through every day, calling the mechanisms in that order. Nothing here does I/O.

**Random numbers.** Every run has its own generator for every named stream (xoshiro256**, Blackman
and Vigna 2018), seeded from the scenario seed, the stream and the run's number through SplitMix64.
A run's numbers therefore depend on nothing but the seed and its own number: not on how many runs
there are, nor on how they are split into chunks or workers. A scheme run and its no-scheme
counterfactual share every stream, so they see the same weather and potential inflow and, until
the scheme changes a run's state, the same launches and preventions (common random numbers).
Binomial draws use inversion for small means and BTRD (Hormann 1993) otherwise; Poisson draws use
multiplication for small means and PTRS (Hormann 1993) otherwise; both are exact.

Every name the compiled code uses is defined in this file, so that Numba's on-disk cache, which
watches only this file, is never stale.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from smallboats.vocab import DETERRENCE_FORMS

RING = 400  # days held by the scheduling rings; longer than any allowed delay
DAYS_PER_WEEK = 7.0
# Day-to-day spread of people per boat, as the standard deviation of its logarithm. Assumption,
# checked against the Home Office small boats time series (SB_01, published 21 August 2026): the
# standard deviation of log(people / boats) over the days of 2025 with five or more boats is 0.15.
PPB_LOG_SD = 0.15
# Under the random rule the chance of selection is the quota over a typical week's eligible
# arrivals, smoothed over this many days. Assumption: four weeks, so that one calm or stormy week
# does not swing the chance; the Home Office has not said how it selects (see params.Scheme.selection).
ELIGIBLE_SMOOTHING_DAYS = 28.0

# Every index below is looked up by name in its tuple, so a misspelt name fails when this file is
# imported; each constant is its tuple's prefix and the name in capitals (tests check all of them).

# --- today's figures (D) -----------------------------------------------------------------------
# Recorded for every run and day, in this order: ``n_`` stocks, ``new_`` flows, ``p_`` shares; the
# whole numbers first, then the fractions.
RECORDED = (
    "new_potential",
    "new_deterred",
    "new_deflected",
    "new_inflow",
    "n_coast",
    "new_left_coast",
    "new_launches",
    "new_prevented",
    "new_gave_up",  # of those prevented: detained or gave up, so they leave the coast the next day
    "new_arrivals",
    "new_boats",
    "new_eligible",
    "new_selected",
    "n_detained",
    "new_challenged",
    "new_released",
    "new_lapsed",
    "new_returned",
    "new_recrossed",
    "new_applied",
    "new_admitted",
    "p_perceived_risk",
    "quota_week",
)
FLOAT_RECORDS = ("p_perceived_risk", "quota_week")
INT_RECORDS = RECORDED[: len(RECORDED) - len(FLOAT_RECORDS)]
TODAY = (*RECORDED, "rel_inflow", "ppb_today")  # and two working figures, not recorded
N_TODAY = len(TODAY)
T_NEW_POTENTIAL = TODAY.index("new_potential")
T_NEW_DETERRED = TODAY.index("new_deterred")
T_NEW_DEFLECTED = TODAY.index("new_deflected")
T_NEW_INFLOW = TODAY.index("new_inflow")
T_N_COAST = TODAY.index("n_coast")
T_NEW_LEFT_COAST = TODAY.index("new_left_coast")
T_NEW_LAUNCHES = TODAY.index("new_launches")
T_NEW_PREVENTED = TODAY.index("new_prevented")
T_NEW_GAVE_UP = TODAY.index("new_gave_up")
T_NEW_ARRIVALS = TODAY.index("new_arrivals")
T_NEW_BOATS = TODAY.index("new_boats")
T_NEW_ELIGIBLE = TODAY.index("new_eligible")
T_NEW_SELECTED = TODAY.index("new_selected")
T_N_DETAINED = TODAY.index("n_detained")
T_NEW_CHALLENGED = TODAY.index("new_challenged")
T_NEW_RELEASED = TODAY.index("new_released")
T_NEW_LAPSED = TODAY.index("new_lapsed")
T_NEW_RETURNED = TODAY.index("new_returned")
T_NEW_RECROSSED = TODAY.index("new_recrossed")
T_NEW_APPLIED = TODAY.index("new_applied")
T_NEW_ADMITTED = TODAY.index("new_admitted")
T_P_PERCEIVED_RISK = TODAY.index("p_perceived_risk")
T_QUOTA_WEEK = TODAY.index("quota_week")
T_REL_INFLOW = TODAY.index("rel_inflow")
T_PPB_TODAY = TODAY.index("ppb_today")
N_INT_RECORDS = len(INT_RECORDS)
N_FLOAT_RECORDS = len(FLOAT_RECORDS)

# --- one run's state (S[r]) ----------------------------------------------------------------------
STATE = (
    "coast",
    "crossable",
    "carry_prevented",
    "carry_recrossed",
    "ewma_returned",
    "ewma_arrivals",
    "prev_returned",
    "prev_arrivals",
    "detained",
    "used",
    "quota",
    "ewma_eligible",
    "extra",
    "met_weeks",
    "ready",
    "cum_returned",
    "cum_admitted",
    "trend",
    "ppb_trend",
    "spare_normal",
    "has_spare",
    "log_level",  # the run's drift of the log inflow level (a random walk from zero)
    "level_noise",  # the run's passing deviation of the log inflow level (mean-reverting)
    "carry_gave_up",  # yesterday's prevented who leave the coast today
)
S_COAST = STATE.index("coast")
S_CROSSABLE = STATE.index("crossable")
S_CARRY_PREVENTED = STATE.index("carry_prevented")
S_CARRY_RECROSSED = STATE.index("carry_recrossed")
S_EWMA_RETURNED = STATE.index("ewma_returned")
S_EWMA_ARRIVALS = STATE.index("ewma_arrivals")
S_PREV_RETURNED = STATE.index("prev_returned")
S_PREV_ARRIVALS = STATE.index("prev_arrivals")
S_DETAINED = STATE.index("detained")
S_USED = STATE.index("used")
S_QUOTA = STATE.index("quota")
S_EWMA_ELIGIBLE = STATE.index("ewma_eligible")
S_EXTRA = STATE.index("extra")
S_MET_WEEKS = STATE.index("met_weeks")
S_READY = STATE.index("ready")
S_CUM_RETURNED = STATE.index("cum_returned")
S_CUM_ADMITTED = STATE.index("cum_admitted")
S_TREND = STATE.index("trend")
S_PPB_TREND = STATE.index("ppb_trend")
S_SPARE_NORMAL = STATE.index("spare_normal")
S_HAS_SPARE = STATE.index("has_spare")
S_LOG_LEVEL = STATE.index("log_level")
S_LEVEL_NOISE = STATE.index("level_noise")
S_CARRY_GAVE_UP = STATE.index("carry_gave_up")

# --- per-run parameters (rows of P) ----------------------------------------------------------------
# A parameter that reaches the kernel as it is in ``params.py`` keeps its name there; one converted
# on the way (a unit, a smoothing factor) has a name that says what it became.
PARAMS = (
    "inflow_per_day",
    "daily_trend",  # from crossings.trend_per_year
    "people_per_boat",
    "daily_ppb_growth",  # from crossings.ppb_growth_per_year
    "p_leave_coast",
    "p_launch",
    "p_prevent",
    "p_exempt",
    "nationality_share",
    "rel_quota",
    "p_recross",
    "deflection_share",
    "announcement_drop",
    "announcement_days",
    "perception_alpha",  # from deterrence.halflife_days
    "lag_days",
    "form",
    "linear_slope",
    "base_risk",
    "elasticity",
    "threshold",
    "threshold_drop",
    "dur_process_days",
    "dur_challenge_days",
    "p_admin_fail",
    "p_won_given_not_failed",  # from scheme.p_challenge and p_challenge_success
    "p_lost_given_neither",  # likewise
    "admissions_per_day",  # from scheme.admissions_per_week
    "p_admission_pass",
    "dur_admission_days",
    "admission_balance",  # how far admissions may run ahead of returns (behind, when below zero)
    "threshold_s0",  # from deterrence.threshold and threshold_width
    "p_no_applications",  # exp(-admissions_per_day): the chance of a day without one
    "log_p_stay",  # log(1 - p_leave_coast)
    "launch_shock_cv",
    "level_drift_per_year",
    "p_prevented_give_up",
    "level_noise_sd",
    "level_noise_days",
)
P_INFLOW_PER_DAY = PARAMS.index("inflow_per_day")
P_DAILY_TREND = PARAMS.index("daily_trend")
P_PEOPLE_PER_BOAT = PARAMS.index("people_per_boat")
P_DAILY_PPB_GROWTH = PARAMS.index("daily_ppb_growth")
P_P_LEAVE_COAST = PARAMS.index("p_leave_coast")
P_P_LAUNCH = PARAMS.index("p_launch")
P_P_PREVENT = PARAMS.index("p_prevent")
P_P_EXEMPT = PARAMS.index("p_exempt")
P_NATIONALITY_SHARE = PARAMS.index("nationality_share")
P_REL_QUOTA = PARAMS.index("rel_quota")
P_P_RECROSS = PARAMS.index("p_recross")
P_DEFLECTION_SHARE = PARAMS.index("deflection_share")
P_ANNOUNCEMENT_DROP = PARAMS.index("announcement_drop")
P_ANNOUNCEMENT_DAYS = PARAMS.index("announcement_days")
P_PERCEPTION_ALPHA = PARAMS.index("perception_alpha")
P_LAG_DAYS = PARAMS.index("lag_days")
P_FORM = PARAMS.index("form")
P_LINEAR_SLOPE = PARAMS.index("linear_slope")
P_BASE_RISK = PARAMS.index("base_risk")
P_ELASTICITY = PARAMS.index("elasticity")
P_THRESHOLD = PARAMS.index("threshold")
P_THRESHOLD_DROP = PARAMS.index("threshold_drop")
P_DUR_PROCESS_DAYS = PARAMS.index("dur_process_days")
P_DUR_CHALLENGE_DAYS = PARAMS.index("dur_challenge_days")
P_P_ADMIN_FAIL = PARAMS.index("p_admin_fail")
P_P_WON_GIVEN_NOT_FAILED = PARAMS.index("p_won_given_not_failed")
P_P_LOST_GIVEN_NEITHER = PARAMS.index("p_lost_given_neither")
P_ADMISSIONS_PER_DAY = PARAMS.index("admissions_per_day")
P_P_ADMISSION_PASS = PARAMS.index("p_admission_pass")
P_DUR_ADMISSION_DAYS = PARAMS.index("dur_admission_days")
P_ADMISSION_BALANCE = PARAMS.index("admission_balance")
P_THRESHOLD_S0 = PARAMS.index("threshold_s0")
P_P_NO_APPLICATIONS = PARAMS.index("p_no_applications")
P_LOG_P_STAY = PARAMS.index("log_p_stay")
P_LAUNCH_SHOCK_CV = PARAMS.index("launch_shock_cv")
P_LEVEL_DRIFT_PER_YEAR = PARAMS.index("level_drift_per_year")
P_P_PREVENTED_GIVE_UP = PARAMS.index("p_prevented_give_up")
P_LEVEL_NOISE_SD = PARAMS.index("level_noise_sd")
P_LEVEL_NOISE_DAYS = PARAMS.index("level_noise_days")

# --- per-run constants (after the parameters in the run's scratch ``p``) ----------------------------
# Worked out by :func:`prepare` as each run starts, with the expressions the day loop would otherwise
# evaluate every day, so that taking them out of the loop changes no number.
HOISTED = (
    "drift_sd",  # level_drift_per_year / sqrt(365.25)
    "noise_phi",  # exp(-1 / level_noise_days), the level noise's autocorrelation a day
    "noise_step_sd",  # level_noise_sd * sqrt(1 - phi^2)
    "shock_shape",  # 1 / launch_shock_cv^2
    "shock_d",  # Marsaglia and Tsang's d and c for that shape
    "shock_c",
    "adm_lam",  # admissions_per_day, clamped as poisson() clamps it, and its PTRS constants
    "adm_slam",
    "adm_loglam",
    "adm_b",
    "adm_a",
    "adm_inv_alpha",
    "adm_v_r",
    "log_q_deflect",  # log(1 - q), q = min(p, 1 - p), of each binomial whose p is fixed for the run
    "log_q_prevent",
    "log_q_give_up",
    "log_q_eligible",
    "log_q_nationality",
    "log_q_recross",
    "log_q_pass",
)
H_DRIFT_SD = len(PARAMS) + HOISTED.index("drift_sd")
H_NOISE_PHI = len(PARAMS) + HOISTED.index("noise_phi")
H_NOISE_STEP_SD = len(PARAMS) + HOISTED.index("noise_step_sd")
H_SHOCK_SHAPE = len(PARAMS) + HOISTED.index("shock_shape")
H_SHOCK_D = len(PARAMS) + HOISTED.index("shock_d")
H_SHOCK_C = len(PARAMS) + HOISTED.index("shock_c")
H_ADM_LAM = len(PARAMS) + HOISTED.index("adm_lam")
H_ADM_SLAM = len(PARAMS) + HOISTED.index("adm_slam")
H_ADM_LOGLAM = len(PARAMS) + HOISTED.index("adm_loglam")
H_ADM_B = len(PARAMS) + HOISTED.index("adm_b")
H_ADM_A = len(PARAMS) + HOISTED.index("adm_a")
H_ADM_INV_ALPHA = len(PARAMS) + HOISTED.index("adm_inv_alpha")
H_ADM_V_R = len(PARAMS) + HOISTED.index("adm_v_r")
H_LOG_Q_DEFLECT = len(PARAMS) + HOISTED.index("log_q_deflect")
H_LOG_Q_PREVENT = len(PARAMS) + HOISTED.index("log_q_prevent")
H_LOG_Q_GIVE_UP = len(PARAMS) + HOISTED.index("log_q_give_up")
H_LOG_Q_ELIGIBLE = len(PARAMS) + HOISTED.index("log_q_eligible")
H_LOG_Q_NATIONALITY = len(PARAMS) + HOISTED.index("log_q_nationality")
H_LOG_Q_RECROSS = len(PARAMS) + HOISTED.index("log_q_recross")
H_LOG_Q_PASS = len(PARAMS) + HOISTED.index("log_q_pass")
N_RUN = len(PARAMS) + len(HOISTED)  # the length of the run's scratch ``p``

# --- the scenario's settings (C) ---------------------------------------------------------------------
CONFIG = (
    "scheme_on",
    "rule",
    "conditional",
    "cond_step",
    "cond_weeks",
    "cond_max",
    "detention_places",
    "limit_days",
    "first_return_day",  # days from the start
    "announced_day",  # days from the start
    "threshold_width",
    "stationary_crossable",
    "ppb_max",
)
C_SCHEME_ON = CONFIG.index("scheme_on")
C_RULE = CONFIG.index("rule")
C_CONDITIONAL = CONFIG.index("conditional")
C_COND_STEP = CONFIG.index("cond_step")
C_COND_WEEKS = CONFIG.index("cond_weeks")
C_COND_MAX = CONFIG.index("cond_max")
C_DETENTION_PLACES = CONFIG.index("detention_places")
C_LIMIT_DAYS = CONFIG.index("limit_days")
C_FIRST_RETURN_DAY = CONFIG.index("first_return_day")
C_ANNOUNCED_DAY = CONFIG.index("announced_day")
C_THRESHOLD_WIDTH = CONFIG.index("threshold_width")
C_STATIONARY_CROSSABLE = CONFIG.index("stationary_crossable")
C_PPB_MAX = CONFIG.index("ppb_max")

RULES = ("random", "first-come", "by-boat", "by-nationality")
RULE_RANDOM = RULES.index("random")
RULE_FIRST_COME = RULES.index("first-come")
RULE_BY_BOAT = RULES.index("by-boat")
RULE_BY_NATIONALITY = RULES.index("by-nationality")
FORMS = DETERRENCE_FORMS  # the one list of response forms (smallboats.vocab)
FORM_NONE = FORMS.index("none")
FORM_LINEAR = FORMS.index("linear")
FORM_ELASTICITY = FORMS.index("elasticity")
FORM_THRESHOLD = FORMS.index("threshold")

# --- the day-by-day series (daily) -------------------------------------------------------------------
DAILY = ("p_cross_after_calm", "p_cross_after_cross", "season", "base_quota", "active", "new_week", "applying")
D_P_CROSS_AFTER_CALM = DAILY.index("p_cross_after_calm")
D_P_CROSS_AFTER_CROSS = DAILY.index("p_cross_after_cross")
D_SEASON = DAILY.index("season")
D_BASE_QUOTA = DAILY.index("base_quota")
D_ACTIVE = DAILY.index("active")
D_NEW_WEEK = DAILY.index("new_week")
D_APPLYING = DAILY.index("applying")

# --- random streams: one generator per (run, stream), four 64-bit words each ----------------------------
STREAMS = (
    "priors",
    "weather",
    "inflow",
    "deterrence",
    "coast",
    "launch",
    "prevention",
    "boats",
    "screening",
    "selection",
    "casework",
    "recross",
    "admissions",
    "shock",  # the day's launch shock (drawn on crossable days only)
    "drift",  # the daily step of the inflow level's random walk
    "attrition",  # which of those prevented give up
    "level_noise",  # the steps of the level's passing deviation
)
G_PRIORS = STREAMS.index("priors")
G_WEATHER = STREAMS.index("weather")
G_INFLOW = STREAMS.index("inflow")
G_DETERRENCE = STREAMS.index("deterrence")
G_COAST = STREAMS.index("coast")
G_LAUNCH = STREAMS.index("launch")
G_PREVENTION = STREAMS.index("prevention")
G_BOATS = STREAMS.index("boats")
G_SCREENING = STREAMS.index("screening")
G_SELECTION = STREAMS.index("selection")
G_CASEWORK = STREAMS.index("casework")
G_RECROSS = STREAMS.index("recross")
G_ADMISSIONS = STREAMS.index("admissions")
G_SHOCK = STREAMS.index("shock")
G_DRIFT = STREAMS.index("drift")
G_ATTRITION = STREAMS.index("attrition")
G_LEVEL_NOISE = STREAMS.index("level_noise")

# --- scheduling rings (kind, day mod RING) -------------------------------------------------------------
RINGS = ("returns", "releases", "lapses", "admissions")
RING_RETURNS = RINGS.index("returns")
RING_RELEASES = RINGS.index("releases")
RING_LAPSES = RINGS.index("lapses")
RING_ADMISSIONS = RINGS.index("admissions")
N_RINGS = len(RINGS)

STEP_ORDER = (
    "perception",
    "weather",
    "inflow",
    "coast",
    "launch",
    "prevention",
    "boats",
    "screening",
    "selection",
    "casework",
    "recross",
    "admissions",
    "record",
)


def _jit(fn):
    return njit(cache=True, nogil=True, error_model="numpy", _nrt=False)(fn)


def _inline(fn):
    """:func:`_jit`, inlined into its callers by Numba before LLVM sees them.

    Measured in one process, fastest of five: 1,000 runs x 3 years of pilot-50 take about 20% less
    CPU for the scheme arm and 30% less for the no-scheme arm with the mechanisms and the samplers
    they call inlined than with the inlining left to LLVM. The price is the first compilation on a
    machine (or after this file changes): about 95 s of CPU rather than 45 s; loading the cached
    kernel costs the same. BTRD, long and entered only for larger means, stays a call.
    """
    return njit(cache=True, nogil=True, error_model="numpy", _nrt=False, inline="always")(fn)


# --- generators -----------------------------------------------------------------------------------------
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_U5, _U7, _U9, _U11, _U16 = np.uint64(5), np.uint64(7), np.uint64(9), np.uint64(11), np.uint64(16)
_U17, _U27, _U30, _U31, _U45 = np.uint64(17), np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(45)
_U57, _U19, _U64 = np.uint64(57), np.uint64(19), np.uint64(64)
_TWO_M53 = 1.0 / 9007199254740992.0
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
POISSON_SMALL_MEAN = 10.0  # below it Poisson draws multiply uniforms; from it, PTRS (Hormann 1993)
BINOMIAL_COUNTED = 16  # a binomial of this many trials or fewer is drawn one uniform a trial
BINOMIAL_BTRD_MEAN = 10.0  # above that, by inversion below this mean (of the rarer outcome), BTRD from it
# Bounds that keep every sampler finite whatever it is given (validation keeps scenarios far inside
# them; these guard the compiled loop against a NaN, an infinity or an overflowed product):
# a mean that is not a positive number draws nothing; a larger mean is clamped to POISSON_MAX_MEAN,
# which is far above any admissible day (5,000 a day at most, times the season and trend) and keeps
# the draw inside the int32 records; and a draw by counting (means below ten) stops at SMALL_MAX_K
# (its chance at such means is below 1e-1500; the inversion sampler then starts again).
POISSON_MAX_MEAN = 1e9
SMALL_MAX_K = 1000


@_jit
def _splitmix(x):
    z = x + _GOLDEN
    z = (z ^ (z >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return z ^ (z >> _U31)


@_jit
def seed_streams(G, key, first_run):
    """Seed every run's generators: run ``first_run + r``, stream ``s`` gets its own SplitMix64 chain."""
    for r in range(G.shape[0]):
        run = np.uint64(first_run + r)
        for s in range(G.shape[1]):
            x = _splitmix(key ^ _splitmix((run << _U16) | np.uint64(s)))
            for j in range(4):
                x = x + _GOLDEN
                G[r, s, j] = _splitmix(x)


@_inline
def _rotl(x, k):
    return (x << k) | (x >> (_U64 - k))


@_inline
def uniform(g, s):
    """A uniform draw in [0, 1) from run ``r``'s stream ``s`` (xoshiro256**, the top 53 bits)."""
    s0, s1, s2, s3 = g[s, 0], g[s, 1], g[s, 2], g[s, 3]
    out = _rotl(s1 * _U5, _U7) * _U9
    t = s1 << _U17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _U45)
    g[s, 0], g[s, 1], g[s, 2], g[s, 3] = s0, s1, s2, s3
    return float(out >> _U11) * _TWO_M53


@_inline
def normal_pair(g, s):
    """Two independent standard normal draws (Box-Muller)."""
    radius = math.sqrt(-2.0 * math.log(1.0 - uniform(g, s)))
    angle = 2.0 * math.pi * uniform(g, s)
    return radius * math.cos(angle), radius * math.sin(angle)


@_inline
def normal(g, s):
    """One standard normal draw: the first of :func:`normal_pair`, the same uniforms, without its sine."""
    radius = math.sqrt(-2.0 * math.log(1.0 - uniform(g, s)))
    angle = 2.0 * math.pi * uniform(g, s)
    return radius * math.cos(angle)


@_inline
def exponential(g, s):
    """A standard exponential draw."""
    return -math.log1p(-uniform(g, s))


@_inline
def gamma_constants(shape):
    """Marsaglia and Tsang's ``d`` and ``c`` for a shape (raised by one below one, as :func:`gamma` boosts it)."""
    if shape < 1.0:
        shape += 1.0
    d = shape - 1.0 / 3.0
    return d, 1.0 / math.sqrt(9.0 * d)


@_inline
def gamma_given(g, s, shape, d, c):
    """:func:`gamma`, given the constants :func:`gamma_constants` works out for ``shape``."""
    boost = 1.0
    if shape < 1.0:
        boost = uniform(g, s) ** (1.0 / shape)
    while True:
        x = normal(g, s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(g, s)
        if u > 0.0 and math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            return d * v * boost


@_inline
def gamma(g, s, shape):
    """A gamma draw of unit scale (Marsaglia and Tsang 2000; below a shape of one, boosted by ``U ** (1/shape)``)."""
    d, c = gamma_constants(shape)
    return gamma_given(g, s, shape, d, c)


@_jit
def _log_factorial_correction(k):
    """``log k! - ((k + 1/2) log(k + 1) - (k + 1) + log sqrt(2 pi))``: the Stirling remainder."""
    if k < 10:
        return math.lgamma(k + 1.0) - (k + 0.5) * math.log(k + 1.0) + (k + 1.0) - _LOG_SQRT_2PI
    k1 = k + 1.0
    k2 = k1 * k1
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / k2) / k2) / k1


@_inline
def poisson_small(g, s, limit):
    """A Poisson draw of mean below 10 by multiplying uniforms; ``limit`` is ``exp(-mean)``."""
    k = 0
    prod = uniform(g, s)
    while prod > limit and k < SMALL_MAX_K:
        k += 1
        prod *= uniform(g, s)
    return k


@_inline
def ptrs_constants(lam):
    """PTRS's constants for a mean of at least 10: ``sqrt(lam)``, ``log(lam)``, ``b``, ``a``, ``1/alpha``, ``v_r``."""
    slam = math.sqrt(lam)
    b = 0.931 + 2.53 * slam
    return slam, math.log(lam), b, -0.059 + 0.02483 * b, 1.1239 + 1.1328 / (b - 3.4), 0.9277 - 3.6224 / (b - 2.0)


@_inline
def ptrs(g, s, lam, loglam, b, a, inv_alpha, v_r):
    """A Poisson draw of mean ``lam`` (at least 10) by PTRS (Hormann 1993), given :func:`ptrs_constants`."""
    while True:
        u = uniform(g, s) - 0.5
        v = uniform(g, s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v * inv_alpha / (a / (us * us) + b)) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return int(k)


@_inline
def poisson(g, s, lam):
    """A Poisson draw: multiplication below a mean of 10, else PTRS (Hormann 1993); see POISSON_MAX_MEAN."""
    if not lam > 0.0:  # also NaN
        return 0
    lam = min(lam, POISSON_MAX_MEAN)
    if lam < POISSON_SMALL_MEAN:
        return poisson_small(g, s, math.exp(-lam))
    _, loglam, b, a, inv_alpha, v_r = ptrs_constants(lam)
    return ptrs(g, s, lam, loglam, b, a, inv_alpha, v_r)


@_inline
def _binomial_inversion(g, s, n, p, log_q):
    q = 1.0 - p
    ratio = p / q
    a = (n + 1) * ratio
    first = math.exp(n * log_q)
    while True:
        u = uniform(g, s)
        f = first
        k = 0
        while u > f and k <= n and k < SMALL_MAX_K:
            u -= f
            k += 1
            f *= a / k - ratio
        if k <= n and k < SMALL_MAX_K:
            return k


@_jit
def _binomial_btrd(g, s, n, p):
    m = math.floor((n + 1) * p)
    ratio = p / (1.0 - p)
    nr = (n + 1) * ratio
    npq = n * p * (1.0 - p)
    sq = math.sqrt(npq)
    b = 1.15 + 2.53 * sq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    alpha = (2.83 + 5.1 / b) * sq
    v_r = 0.92 - 4.2 / b
    u_rv_r = 0.86 * v_r
    while True:
        v = uniform(g, s)
        if v <= u_rv_r:
            u = v / v_r - 0.43
            return int(math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c))
        if v >= v_r:
            u = uniform(g, s) - 0.5
        else:
            u = v / v_r - 0.93
            u = math.copysign(0.5, u) - u
            v = uniform(g, s) * v_r
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = v * alpha / (a / (us * us) + b)
        km = abs(k - m)
        if km <= 15:
            f = 1.0
            if m < k:
                i = m
                while i < k:
                    i += 1
                    f *= nr / i - ratio
            elif m > k:
                i = k
                while i < m:
                    i += 1
                    v *= nr / i - ratio
            if v <= f:
                return int(k)
            continue
        v = math.log(v)
        rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5)
        t = -km * km / (2.0 * npq)
        if v < t - rho:
            return int(k)
        if v > t + rho:
            continue
        nm = n - m + 1.0
        h = (m + 0.5) * math.log((m + 1.0) / (ratio * nm)) + _log_factorial_correction(m)
        h += _log_factorial_correction(n - m)
        nk = n - k + 1.0
        bound = h + (n + 1.0) * math.log(nm / nk) + (k + 0.5) * math.log(nk * ratio / (k + 1.0))
        if v <= bound - _log_factorial_correction(k) - _log_factorial_correction(n - k):
            return int(k)


@_inline
def binomial(g, s, n, p):
    """A binomial draw (exact); none is made when there is nothing to split (``n`` or ``p`` zero)."""
    return binomial_log(g, s, n, p, 1.0)


@_inline
def log_q(p):
    """``log(1 - q)`` with ``q = min(p, 1 - p)``, for :func:`binomial_log` (1 when there is none to take)."""
    if not (p > 0.0 and p < 1.0):  # also NaN
        return 1.0
    return math.log1p(-min(p, 1.0 - p))


@_inline
def binomial_log(g, s, n, p, log_1mq):
    """:func:`binomial`, given :func:`log_q` of ``p`` when ``p`` is fixed for the run (else 1)."""
    if n <= 0 or not p > 0.0:  # also NaN
        return 0
    if p >= 1.0:
        return n
    if n <= BINOMIAL_COUNTED:  # a few trials: count them one by one
        k = 0
        for _ in range(n):
            if uniform(g, s) < p:
                k += 1
        return k
    q = min(p, 1.0 - p)
    if n * q >= BINOMIAL_BTRD_MEAN:
        k = _binomial_btrd(g, s, n, q)
    else:
        k = _binomial_inversion(g, s, n, q, log_1mq if log_1mq <= 0.0 else math.log1p(-q))
    return k if q == p else n - k


@_jit
def sample(kind, G, s, a, b, out):
    """Fill ``out`` with draws from run 0's stream ``s``, to check the samplers against their laws.

    ``kind``: 0 uniform, 1 binomial(``a``, ``b``), 2 Poisson(``a``), 3 standard normal, 4 exponential,
    5 gamma of shape ``a``.
    """
    g = G[0]
    for i in range(out.shape[0]):
        if kind == 0:
            out[i] = uniform(g, s)
        elif kind == 1:
            out[i] = binomial(g, s, int(a), b)
        elif kind == 2:
            out[i] = poisson(g, s, a)
        elif kind == 3:
            out[i] = normal_pair(g, s)[0]
        elif kind == 5:
            out[i] = gamma(g, s, a)
        else:
            out[i] = exponential(g, s)


@_jit
def uniforms(G, s, count, out):
    """``count`` uniforms from stream ``s`` of every run, into ``out[:count, :]`` (for the priors)."""
    for r in range(G.shape[0]):
        for i in range(count):
            out[i, r] = uniform(G[r], s)


# --- the mechanisms ---------------------------------------------------------------------------------------


@_inline
def response(form, risk, slope, base, elasticity, p_star, drop, width, s0):
    """The inflow multiplier ``m(risk)`` for one run's form of deterrence.

    none: 1; linear: ``max(0, 1 - slope * risk)``; elasticity: ``((base + risk) / base) ** elasticity``;
    threshold: a logistic drop of up to ``drop`` once risk passes ``p_star`` (none at zero risk;
    ``s0`` is the logistic's value there).
    """
    if form == FORM_NONE or risk <= 0.0:
        return 1.0
    if form == FORM_LINEAR:
        return max(0.0, 1.0 - slope * risk)
    if form == FORM_ELASTICITY:
        return ((base + risk) / base) ** elasticity
    s = 1.0 / (1.0 + math.exp(-(risk - p_star) / width))
    return 1.0 - drop * min(max((s - s0) / (1.0 - s0), 0.0), 1.0)


@_inline
def prepare(p):
    """Work out the run's constants (:data:`HOISTED`) from its parameters, once, before its first day."""
    p[H_DRIFT_SD] = p[P_LEVEL_DRIFT_PER_YEAR] / math.sqrt(365.25)
    phi = math.exp(-1.0 / max(p[P_LEVEL_NOISE_DAYS], 1.0))
    p[H_NOISE_PHI] = phi
    p[H_NOISE_STEP_SD] = p[P_LEVEL_NOISE_SD] * math.sqrt(1.0 - phi * phi)
    cv = p[P_LAUNCH_SHOCK_CV]
    shape = 1.0 / (cv * cv) if cv > 0.0 else 1.0
    p[H_SHOCK_SHAPE] = shape
    p[H_SHOCK_D], p[H_SHOCK_C] = gamma_constants(shape)
    lam = min(p[P_ADMISSIONS_PER_DAY], POISSON_MAX_MEAN) if p[P_ADMISSIONS_PER_DAY] > 0.0 else 0.0
    p[H_ADM_LAM] = lam
    if lam >= POISSON_SMALL_MEAN:
        c = ptrs_constants(lam)
        p[H_ADM_SLAM], p[H_ADM_LOGLAM], p[H_ADM_B], p[H_ADM_A], p[H_ADM_INV_ALPHA], p[H_ADM_V_R] = c
    p[H_LOG_Q_DEFLECT] = log_q(p[P_DEFLECTION_SHARE])
    p[H_LOG_Q_PREVENT] = log_q(p[P_P_PREVENT])
    p[H_LOG_Q_GIVE_UP] = log_q(p[P_P_PREVENTED_GIVE_UP])
    p[H_LOG_Q_ELIGIBLE] = log_q(1.0 - p[P_P_EXEMPT])
    p[H_LOG_Q_NATIONALITY] = log_q(p[P_NATIONALITY_SHARE])
    p[H_LOG_Q_RECROSS] = log_q(p[P_P_RECROSS])
    p[H_LOG_Q_PASS] = log_q(p[P_P_ADMISSION_PASS])


@_inline
def perception(t, C, p, s, hist, D):
    """Smooth returns over arrivals, read the share after the lag, and set today's inflow multiplier."""
    a = p[P_PERCEPTION_ALPHA]
    s[S_EWMA_RETURNED] += a * (s[S_PREV_RETURNED] - s[S_EWMA_RETURNED])
    s[S_EWMA_ARRIVALS] += a * (s[S_PREV_ARRIVALS] - s[S_EWMA_ARRIVALS])
    ratio = s[S_EWMA_RETURNED] / s[S_EWMA_ARRIVALS] if s[S_EWMA_ARRIVALS] > 1e-9 else 0.0
    hist[t % RING] = min(ratio, 1.0)
    lag = int(p[P_LAG_DAYS])
    risk = hist[(t - lag) % RING] if t >= lag else 0.0
    D[T_P_PERCEIVED_RISK] = risk
    m = 1.0
    if C[C_SCHEME_ON] > 0:
        m = response(
            int(p[P_FORM]),
            risk,
            p[P_LINEAR_SLOPE],
            p[P_BASE_RISK],
            p[P_ELASTICITY],
            p[P_THRESHOLD],
            p[P_THRESHOLD_DROP],
            C[C_THRESHOLD_WIDTH],
            p[P_THRESHOLD_S0],
        )
        since = t - C[C_ANNOUNCED_DAY]
        if since >= 0 and since < p[P_ANNOUNCEMENT_DAYS]:
            m *= 1.0 - p[P_ANNOUNCEMENT_DROP]
        m = min(max(m, 0.0), 1.0)
    D[T_REL_INFLOW] = m


@_inline
def weather(t, daily, s, g):
    """Crossable days: a two-state Markov chain whose transition probabilities vary by month."""
    p = daily[D_P_CROSS_AFTER_CROSS, t] if s[S_CROSSABLE] > 0 else daily[D_P_CROSS_AFTER_CALM, t]
    s[S_CROSSABLE] = 1.0 if uniform(g, G_WEATHER) < p else 0.0


@_inline
def level_drift(p, s, g):
    """Step the run's log inflow level (a random walk) and return today's multiplier on the level.

    The steps have a standard deviation of ``level_drift_per_year / sqrt(365.25)`` and a mean of
    zero, as the fitted model's walk (smallboats.analysis.estimate.bayes): the level's median stays
    where it started and its spread grows. No draw is made when there is no drift.
    """
    sd = p[H_DRIFT_SD]
    if sd <= 0.0:
        return 1.0
    s[S_LOG_LEVEL] += sd * normal(g, G_DRIFT)
    return math.exp(s[S_LOG_LEVEL])


@_inline
def level_noise(t, p, s, g):
    """Step the run's passing deviation of the log level (an AR(1)) and return today's multiplier.

    Months run above or below their season for weeks at a time. The deviation has a stationary
    standard deviation ``level_noise_sd`` and an autocorrelation of ``exp(-1 / level_noise_days)``
    a day; it starts from its stationary law, since the model does not know where the record
    stands on the first day. The multiplier is ``exp(x - sd^2 / 2)``, of expectation one.
    """
    sd = p[P_LEVEL_NOISE_SD]
    if sd <= 0.0:
        return 1.0
    if t == 0:
        s[S_LEVEL_NOISE] = sd * normal(g, G_LEVEL_NOISE)
    else:
        s[S_LEVEL_NOISE] = p[H_NOISE_PHI] * s[S_LEVEL_NOISE] + p[H_NOISE_STEP_SD] * normal(g, G_LEVEL_NOISE)
    return math.exp(s[S_LEVEL_NOISE] - 0.5 * sd * sd)


@_inline
def inflow(t, daily, p, s, D, g):
    """The potential inflow (Poisson around the run's drifting level, season and trend), less those put off.

    The potential is drawn from its own stream every day, so a scheme run and its counterfactual
    share it exactly; deterrence then thins it, and a share of those put off are deflected elsewhere.
    """
    lam = p[P_INFLOW_PER_DAY] * daily[D_SEASON, t] * s[S_TREND] * level_drift(p, s, g) * level_noise(t, p, s, g)
    s[S_TREND] *= p[P_DAILY_TREND]
    potential = poisson(g, G_INFLOW, lam)
    put_off = binomial(g, G_DETERRENCE, potential, 1.0 - D[T_REL_INFLOW])
    deflected = binomial_log(g, G_DETERRENCE, put_off, p[P_DEFLECTION_SHARE], p[H_LOG_Q_DEFLECT])
    D[T_NEW_POTENTIAL] = potential
    D[T_NEW_INFLOW] = potential - put_off
    D[T_NEW_DEFLECTED] = deflected
    D[T_NEW_DETERRED] = put_off - deflected


@_inline
def coast(p, s, D, g):
    """The coast stock: some leave; the inflow, yesterday's prevented and re-crossers join.

    Those of yesterday's prevented who gave up or were detained are among those who leave today.
    """
    n = int(s[S_COAST])
    left = binomial_log(g, G_COAST, n, p[P_P_LEAVE_COAST], p[P_LOG_P_STAY]) + int(s[S_CARRY_GAVE_UP])
    s[S_COAST] = n - left + D[T_NEW_INFLOW] + s[S_CARRY_PREVENTED] + s[S_CARRY_RECROSSED]
    s[S_CARRY_PREVENTED] = 0.0
    s[S_CARRY_RECROSSED] = 0.0
    s[S_CARRY_GAVE_UP] = 0.0
    D[T_NEW_LEFT_COAST] = left


@_inline
def launch_shock(p, g):
    """The day's multiplier on the launch share: gamma, mean one, coefficient of variation ``launch_shock_cv``.

    Some calm days see few boats and some a great many (smugglers' boats, engines and police
    patrols vary by the day); none is drawn when the coefficient is zero.
    """
    if p[P_LAUNCH_SHOCK_CV] <= 0.0:
        return 1.0
    shape = p[H_SHOCK_SHAPE]
    return gamma_given(g, G_SHOCK, shape, p[H_SHOCK_D], p[H_SHOCK_C]) / shape


@_inline
def launch(p, s, D, g):
    """On a crossable day a share of those waiting set off; calm after storms releases pent-up demand.

    The share is the run's ``p_launch`` times the day's shock (see :func:`launch_shock`).
    """
    n = int(s[S_COAST]) if s[S_CROSSABLE] > 0 else 0
    share = p[P_P_LAUNCH] * launch_shock(p, g) if n > 0 else 0.0
    attempts = binomial(g, G_LAUNCH, n, min(share, 1.0))
    s[S_COAST] -= attempts
    D[T_NEW_LAUNCHES] = attempts


@_inline
def prevention(p, s, D, g):
    """French action stops a share of attempts; those stopped go back to the coast and most try again.

    A share ``p_prevented_give_up`` of them are detained or give up: they leave the coast the next
    day, so more prevention means fewer arrivals, not only later ones.
    """
    attempts = int(D[T_NEW_LAUNCHES])
    prevented = binomial_log(g, G_PREVENTION, attempts, p[P_P_PREVENT], p[H_LOG_Q_PREVENT])
    gave_up = binomial_log(g, G_ATTRITION, prevented, p[P_P_PREVENTED_GIVE_UP], p[H_LOG_Q_GIVE_UP])
    s[S_CARRY_PREVENTED] = prevented
    s[S_CARRY_GAVE_UP] = gave_up
    D[T_NEW_PREVENTED] = prevented
    D[T_NEW_GAVE_UP] = gave_up
    D[T_NEW_ARRIVALS] = attempts - prevented


@_inline
def boats(C, p, s, D, g):
    """Boats for the day's arrivals: the run's people per boat, growing over time, with day-to-day noise."""
    arrivals = D[T_NEW_ARRIVALS]
    trend = s[S_PPB_TREND]
    s[S_PPB_TREND] *= p[P_DAILY_PPB_GROWTH]
    if arrivals <= 0:
        D[T_NEW_BOATS] = 0.0
        D[T_PPB_TODAY] = 0.0
        return
    if s[S_HAS_SPARE] > 0:
        z = s[S_SPARE_NORMAL]
        s[S_HAS_SPARE] = 0.0
    else:
        z, s[S_SPARE_NORMAL] = normal_pair(g, G_BOATS)
        s[S_HAS_SPARE] = 1.0
    ppb = p[P_PEOPLE_PER_BOAT] * trend * math.exp(PPB_LOG_SD * z)
    ppb = min(max(ppb, 1.0), C[C_PPB_MAX])
    D[T_NEW_BOATS] = min(max(1.0, np.rint(arrivals / ppb)), arrivals)
    D[T_PPB_TODAY] = ppb


@_inline
def screening(t, C, daily, p, D, g):
    """Arrivals while the scheme is in force, less the exempt; under 'by-nationality', only groups France takes."""
    if daily[D_ACTIVE, t] <= 0:
        D[T_NEW_ELIGIBLE] = 0.0
        return
    el = binomial_log(g, G_SCREENING, int(D[T_NEW_ARRIVALS]), 1.0 - p[P_P_EXEMPT], p[H_LOG_Q_ELIGIBLE])
    if C[C_RULE] == RULE_BY_NATIONALITY:
        el = binomial_log(g, G_SCREENING, el, p[P_NATIONALITY_SHARE], p[H_LOG_Q_NATIONALITY])
    D[T_NEW_ELIGIBLE] = el


@_inline
def new_week(C, s):
    """A new quota week: under a conditional schedule, raise the quota after enough weeks that met it."""
    if C[C_CONDITIONAL] > 0:
        met = s[S_USED] >= s[S_QUOTA] - 1e-9
        s[S_MET_WEEKS] = s[S_MET_WEEKS] + 1.0 if (met and s[S_QUOTA] > 0) else 0.0
        if s[S_MET_WEEKS] >= C[C_COND_WEEKS]:
            s[S_EXTRA] += C[C_COND_STEP]
            s[S_MET_WEEKS] = 0.0
    s[S_USED] = 0.0


@_inline
def selection(t, C, daily, p, s, D, g):
    """Select up to the week's quota by the scenario's rule, within the free detention places."""
    if daily[D_NEW_WEEK, t] > 0:
        new_week(C, s)
    base = daily[D_BASE_QUOTA, t]
    quota = 0.0
    if base > 0:
        quota = base * p[P_REL_QUOTA]
        if C[C_CONDITIONAL] > 0:
            quota = min(quota + s[S_EXTRA], C[C_COND_MAX])
    s[S_QUOTA] = quota
    D[T_QUOTA_WEEK] = quota
    eligible = D[T_NEW_ELIGIBLE]
    s[S_EWMA_ELIGIBLE] += (eligible - s[S_EWMA_ELIGIBLE]) / ELIGIBLE_SMOOTHING_DAYS
    remaining = max(quota - s[S_USED], 0.0)
    rule = C[C_RULE]
    if rule == RULE_RANDOM:
        typical_week = max(s[S_EWMA_ELIGIBLE] * DAYS_PER_WEEK, 1.0)
        p_select = min(max(quota / typical_week, 0.0), 1.0) if quota > 0 else 0.0
        chosen = float(binomial(g, G_SELECTION, int(eligible), p_select))
    elif rule == RULE_BY_BOAT:
        ppb = D[T_PPB_TODAY]
        chosen = math.floor(math.floor(remaining / ppb) * ppb) if ppb > 0 else 0.0
    else:  # first come, and first come within the accepted groups
        chosen = eligible
    free = max(C[C_DETENTION_PLACES] - s[S_DETAINED], 0.0)
    selected = math.floor(min(min(chosen, eligible), min(math.floor(remaining), free)))
    s[S_USED] += selected
    D[T_NEW_SELECTED] = selected


@_inline
def _schedule(rings, kind, day, count):
    if count > 0:
        rings[kind, day % RING] += count


@_inline
def casework(t, C, p, s, D, rings, g):
    """Each case fails, is returned, or is challenged; a lost challenge delays the return; past the limit it lapses.

    The extra delay of a challenge is exponential with the run's mean, drawn once for the cases
    selected together on a day. Nobody is returned before the first return date.
    """
    new = int(D[T_NEW_SELECTED])
    challenged = 0
    if new > 0:
        failed = binomial(g, G_CASEWORK, new, p[P_P_ADMIN_FAIL])
        won = binomial(g, G_CASEWORK, new - failed, p[P_P_WON_GIVEN_NOT_FAILED])
        lost = binomial(g, G_CASEWORK, new - failed - won, p[P_P_LOST_GIVEN_NEITHER])
        plain = new - failed - won - lost
        challenged = won + lost
        limit = int(C[C_LIMIT_DAYS])
        first = int(C[C_FIRST_RETURN_DAY])
        proc = int(p[P_DUR_PROCESS_DAYS])
        delay = proc
        if challenged > 0:
            delay += int(np.rint(exponential(g, G_CASEWORK) * p[P_DUR_CHALLENGE_DAYS]))
        ret_plain = max(t + proc, first) - t
        ret_lost = max(t + delay, first) - t
        _schedule(rings, RING_RELEASES, t + min(proc, limit), failed)
        if delay > limit:
            _schedule(rings, RING_LAPSES, t + limit, won)
        else:
            _schedule(rings, RING_RELEASES, t + delay, won)
        if ret_plain > limit:
            _schedule(rings, RING_LAPSES, t + limit, plain)
        else:
            _schedule(rings, RING_RETURNS, t + ret_plain, plain)
        if ret_lost > limit:
            _schedule(rings, RING_LAPSES, t + limit, lost)
        else:
            _schedule(rings, RING_RETURNS, t + ret_lost, lost)
    i = t % RING
    returned = rings[RING_RETURNS, i]
    released = rings[RING_RELEASES, i]
    lapsed = rings[RING_LAPSES, i]
    rings[RING_RETURNS, i] = 0
    rings[RING_RELEASES, i] = 0
    rings[RING_LAPSES, i] = 0
    s[S_DETAINED] += new - returned - released - lapsed
    D[T_NEW_CHALLENGED] = challenged
    D[T_NEW_RETURNED] = returned
    D[T_NEW_RELEASED] = released
    D[T_NEW_LAPSED] = lapsed


@_inline
def recross(p, s, D, g):
    """Some of those returned cross again: they rejoin the coast stock tomorrow."""
    again = binomial_log(g, G_RECROSS, int(D[T_NEW_RETURNED]), p[P_P_RECROSS], p[H_LOG_Q_RECROSS])
    s[S_CARRY_RECROSSED] = again
    D[T_NEW_RECROSSED] = again


@_inline
def admissions(t, C, daily, p, s, D, rings, g):
    """People in France with a UK family link apply, pass checks, wait, and are admitted against returns.

    Admission is its own process: those ready are admitted from the first return day onwards,
    while the people admitted stay within the run's balance of the people returned so far (ahead
    of returns when the balance is above zero, behind when below), as the published monthly table
    shows them doing.
    """
    applied = 0
    if daily[D_APPLYING, t] > 0:
        if p[P_ADMISSIONS_PER_DAY] < POISSON_SMALL_MEAN:
            applied = poisson_small(g, G_ADMISSIONS, p[P_P_NO_APPLICATIONS])
        elif p[H_ADM_LAM] > 0.0:  # poisson() with the run's constants (none drawn for a NaN mean)
            lam, loglam, b, a = p[H_ADM_LAM], p[H_ADM_LOGLAM], p[H_ADM_B], p[H_ADM_A]
            applied = ptrs(g, G_ADMISSIONS, lam, loglam, b, a, p[H_ADM_INV_ALPHA], p[H_ADM_V_R])
        passed = binomial_log(g, G_ADMISSIONS, applied, p[P_P_ADMISSION_PASS], p[H_LOG_Q_PASS])
        _schedule(rings, RING_ADMISSIONS, t + int(p[P_DUR_ADMISSION_DAYS]), passed)
    i = t % RING
    s[S_READY] += rings[RING_ADMISSIONS, i]
    rings[RING_ADMISSIONS, i] = 0
    s[S_CUM_RETURNED] += D[T_NEW_RETURNED]
    admit = 0.0
    if t >= C[C_FIRST_RETURN_DAY]:
        room = math.floor(s[S_CUM_RETURNED] + p[P_ADMISSION_BALANCE] - s[S_CUM_ADMITTED])
        admit = min(s[S_READY], max(room, 0.0))
    s[S_READY] -= admit
    s[S_CUM_ADMITTED] += admit
    D[T_NEW_APPLIED] = applied
    D[T_NEW_ADMITTED] = admit


@_inline
def record(t, r, s, D, rec_i, rec_f):
    """Write the day's figures into the record and hand today's returns and arrivals to tomorrow."""
    D[T_N_COAST] = s[S_COAST]
    D[T_N_DETAINED] = s[S_DETAINED]
    for k in range(N_INT_RECORDS):
        rec_i[k, r, t] = np.int32(D[k])
    for k in range(N_FLOAT_RECORDS):
        rec_f[k, r, t] = np.float32(D[N_INT_RECORDS + k])
    s[S_PREV_RETURNED] = D[T_NEW_RETURNED]
    s[S_PREV_ARRIVALS] = D[T_NEW_ARRIVALS]


# The figures the scheme's mechanisms write, and none other does: with the scheme off they are zero.
SCHEME_FIGURES = (
    "new_eligible",
    "new_selected",
    "new_challenged",
    "new_released",
    "new_lapsed",
    "new_returned",
    "new_recrossed",
    "new_applied",
    "new_admitted",
    "quota_week",
)
SCHEME_STEPS = STEP_ORDER[STEP_ORDER.index("screening") : STEP_ORDER.index("admissions") + 1]
_SCHEME_T = np.array([TODAY.index(name) for name in SCHEME_FIGURES], dtype=np.int64)


@_jit
def run_block(lo, hi, C, daily, P, S, G, D, p, hist, rings, rec_i, rec_f, rec_lo, stop):
    """Simulate runs ``lo`` to ``hi`` over every day: each day, every mechanism in ``STEP_ORDER``.

    One run at a time, so that its state, parameters, generators and scheduling rings stay in the
    processor's cache; ``p`` (:data:`N_RUN` long), ``hist`` and ``rings`` are scratch space for the
    run in hand. The records are laid out (variable, run, day), run ``r`` in row ``r - rec_lo`` (a
    whole arm, or one block's buffer). With the scheme off its mechanisms (:data:`SCHEME_STEPS`)
    have nothing to do on any day: nobody is eligible, selected, held or applies; they are skipped
    and their figures set to zero once. The loop stops before its next run once ``stop[0]`` is set
    (an interrupt).
    """
    scheme = C[C_SCHEME_ON] > 0
    for r in range(lo, hi):
        if stop[0] != 0:
            return
        s = S[r]
        g = G[r]
        for k in range(P.shape[0]):
            p[k] = P[k, r]
        prepare(p)
        hist[:] = 0.0
        rings[:, :] = 0
        for k in _SCHEME_T:
            D[k] = 0.0
        s[S_CROSSABLE] = 1.0 if uniform(g, G_WEATHER) < C[C_STATIONARY_CROSSABLE] else 0.0
        for t in range(daily.shape[1]):
            perception(t, C, p, s, hist, D)
            weather(t, daily, s, g)
            inflow(t, daily, p, s, D, g)
            coast(p, s, D, g)
            launch(p, s, D, g)
            prevention(p, s, D, g)
            boats(C, p, s, D, g)
            if scheme:
                screening(t, C, daily, p, D, g)
                selection(t, C, daily, p, s, D, g)
                casework(t, C, p, s, D, rings, g)
                recross(p, s, D, g)
                admissions(t, C, daily, p, s, D, rings, g)
            record(t, r - rec_lo, s, D, rec_i, rec_f)


MECHANISMS = {
    "perception": perception,
    "weather": weather,
    "inflow": inflow,
    "coast": coast,
    "launch": launch,
    "prevention": prevention,
    "boats": boats,
    "screening": screening,
    "selection": selection,
    "casework": casework,
    "recross": recross,
    "admissions": admissions,
    "record": record,
}
