"""Divergences between histograms on one support: total variation,
Kullback-Leibler and Jensen-Shannon."""

from . import _wass


def tv(p, q):
    """Total variation (1/2) sum |p - q| of two histograms (normalized first)."""
    return _wass.divergence(p, q, "tv")[0]


def kl(p, q, bits=False):
    """Kullback-Leibler divergence KL(p || q) (normalized first; natural log,
    base 2 with bits=True). +inf when q_i = 0 where p_i > 0."""
    return _wass.divergence(p, q, "kl", bits)[0]


def js(p, q, bits=False):
    """Jensen-Shannon divergence (KL(p||m) + KL(q||m)) / 2, m = (p + q) / 2."""
    return _wass.divergence(p, q, "js", bits)[0]
