"""The compiled random streams and samplers: the generator matches its published algorithm, and every
sampler matches its law (chi-square against the exact probabilities, with fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from smallboats.model import Scenario, kernel, simulate
from smallboats.model.rng import streams

MASK = (1 << 64) - 1


def reference_xoshiro(state: list[int], count: int) -> list[int]:
    """xoshiro256** written out plainly with Python integers (Blackman and Vigna 2018)."""

    def rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK

    s0, s1, s2, s3 = state
    out = []
    for _ in range(count):
        out.append(rotl((s1 * 5) & MASK, 7) * 9 & MASK)
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
    return out


def draws(kind: int, a: float = 0.0, b: float = 0.0, size: int = 200_000, seed: int = 1, stream: int = 0):
    G = streams(seed, 0, 1)
    out = np.zeros(size)
    kernel.sample(kind, G, stream, a, b, out)
    return out


def test_generator_matches_the_published_algorithm():
    G = np.zeros((1, len(kernel.STREAMS), 4), dtype=np.uint64)
    G[0, 0] = [1, 2, 3, 4]
    ref = reference_xoshiro([1, 2, 3, 4], 1000)
    assert ref[0] == 11520  # rotl(2 * 5, 7) * 9: the first output from the state (1, 2, 3, 4)
    out = np.zeros(1000)
    kernel.sample(0, G, 0, 0.0, 0.0, out)
    assert np.array_equal(out, np.array([x >> 11 for x in ref], dtype=float) * 2.0**-53)


def test_uniform_streams_are_uniform_and_independent():
    u = draws(0)
    assert abs(u.mean() - 0.5) < 0.003 and abs(u.var() - 1 / 12) < 0.001
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    other_run = streams(1, 0, 2)
    a, b = np.zeros(50_000), np.zeros(50_000)
    kernel.sample(0, other_run[:1], 0, 0.0, 0.0, a)
    kernel.sample(0, other_run[1:], 0, 0.0, 0.0, b)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02
    other_stream = draws(0, size=50_000, stream=1)
    assert abs(np.corrcoef(u[:50_000], other_stream)[0, 1]) < 0.02


def chi_square(sample: np.ndarray, dist) -> float:
    """p-value of a chi-square test against a discrete law, pooling the tails into cells of 20+ expected."""
    n = len(sample)
    support = np.arange(int(dist.ppf(1e-9)), int(dist.isf(1e-9)) + 2)
    inner = support[dist.pmf(support) * n >= 20]
    lo, hi = inner[0], inner[-1]
    observed = [(sample <= lo).sum(), *[(sample == k).sum() for k in inner[1:-1]], (sample >= hi).sum()]
    expected = np.array([dist.cdf(lo), *dist.pmf(inner[1:-1]), dist.sf(hi - 1)]) * n
    return stats.chisquare(observed, expected * n / expected.sum()).pvalue


@pytest.mark.parametrize(
    ("n", "p"),
    [(7, 0.3), (16, 0.9), (40, 0.1), (600, 0.005), (127, 0.07), (127, 0.3), (500, 0.7), (3000, 0.5), (280, 0.05)],
)
def test_binomial_matches_its_law(n, p):
    x = draws(1, n, p)
    assert x.min() >= 0 and x.max() <= n
    assert chi_square(x, stats.binom(n, p)) > 1e-4
    assert abs(x.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / len(x))


@pytest.mark.parametrize("lam", [0.5, 3.0, 9.5, 10.0, 40.0, 127.0, 1500.0])
def test_poisson_matches_its_law(lam):
    x = draws(2, lam)
    assert chi_square(x, stats.poisson(lam)) > 1e-4
    assert abs(x.mean() - lam) < 5 * np.sqrt(lam / len(x))


def test_normal_and_exponential_match_their_laws():
    assert stats.kstest(draws(3), "norm").pvalue > 1e-3
    assert stats.kstest(draws(4), "expon").pvalue > 1e-3


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 5000), p=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_binomial_stays_within_its_bounds(n, p, seed):
    x = draws(1, n, p, size=20, seed=seed)
    assert ((x >= 0) & (x <= n)).all()
    if p == 0 or n == 0:
        assert (x == 0).all()
    if p == 1:
        assert (x == n).all()


def test_threads_do_not_change_the_numbers():
    sc = Scenario(years=0.5)
    one = simulate(sc, runs=600, seed=5, threads=1)
    two = simulate(sc, runs=600, seed=5, threads=2)
    for k in one.records:
        assert np.array_equal(one.records[k], two.records[k]), k
        assert np.array_equal(one.counterfactual[k], two.counterfactual[k]), k
