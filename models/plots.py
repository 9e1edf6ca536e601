"""Diagnostic figures for a training run (calibration, residuals, importance).

Figures are plain ``matplotlib.figure.Figure`` objects on the Agg canvas: no pyplot, no global
state, no display needed. ``models.tracking`` logs them as run artifacts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _figure(width: float = 6.0, height: float = 4.5) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def calibration_figure(curves: dict[str, pd.DataFrame], *, title: str) -> Figure:
    """Reliability diagram: observed event rate against mean predicted probability per bin.

    Args:
        curves: Model name -> ``calibration_table`` output (``predicted``, ``observed``).
        title: Figure title.
    """
    figure = _figure()
    ax = figure.add_subplot()
    top = max([0.01, *(float(c[["predicted", "observed"]].max().max()) for c in curves.values())])
    ax.plot([0, top], [0, top], linestyle="--", color="grey", label="perfectly calibrated")
    for name, curve in curves.items():
        ax.plot(curve["predicted"], curve["observed"], marker="o", label=name)
    ax.set(xlabel="mean predicted 7-day injury risk", ylabel="observed rate", title=title)
    ax.legend(loc="upper left")
    return figure


def residuals_figure(y_true: np.ndarray, y_pred: np.ndarray, *, title: str) -> Figure:
    """Residuals (observed - predicted) against the prediction, plus their histogram."""
    residual = np.asarray(y_true, float) - np.asarray(y_pred, float)
    figure = _figure(9.0, 4.0)
    left, right = figure.subplots(1, 2)
    sample = slice(None, None, max(1, len(residual) // 5000))
    left.scatter(np.asarray(y_pred)[sample], residual[sample], s=4, alpha=0.3)
    left.axhline(0.0, color="grey", linestyle="--")
    left.set(xlabel="predicted readiness", ylabel="observed - predicted", title=title)
    right.hist(residual, bins=50)
    right.set(xlabel="residual (readiness points)", ylabel="days")
    return figure


def importance_figure(importance: pd.Series, *, title: str, top: int = 25) -> Figure:
    """Horizontal bars of the ``top`` most important features."""
    shown = importance.sort_values(ascending=True).tail(top)
    figure = _figure(7.0, 0.25 * len(shown) + 1.5)
    ax = figure.add_subplot()
    ax.barh(shown.index.astype(str), shown.to_numpy())
    ax.set(xlabel=str(importance.name or "importance"), title=title)
    return figure
