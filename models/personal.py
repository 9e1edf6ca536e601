"""Learning the individual: a per-athlete offset on a pooled model, shrunk by the data.

Partial pooling: the offset of an athlete with ``n`` past residuals ``r`` is
``sum(r) / (n + prior_days)``, so it starts at 0 (the population) and approaches the
athlete's mean residual as their own history grows (``prior_days`` is the weight of the
population, in days).
"""

from __future__ import annotations

import numpy as np

PRIOR_DAYS = 14.0


def shrunk_offset(residuals: np.ndarray, *, prior_days: float = PRIOR_DAYS) -> float:
    """The shrunk mean residual (same units as the residuals; 0 with no history)."""
    if prior_days < 0:
        raise ValueError(f"prior_days must be >= 0, got {prior_days}")
    r = np.asarray(residuals, dtype=float)
    r = r[np.isfinite(r)]
    return float(r.sum() / (len(r) + prior_days)) if len(r) + prior_days > 0 else 0.0
