"""Rolling-origin cross-validation of one candidate model on one series.

Windows end at the last ``h`` points and step back by ``step``: with ``n_windows=3, step=h`` the last ``3h``
points are forecast in three non-overlapping blocks, each from a model fitted only on the data before it.
Every model is estimated once, on the first window's training data (ARIMA orders and coefficients, ETS form and
smoothing parameters, LSTM weights), and then only moved forward through the later windows with ``update(y, X)``
(filtered over the longer history, not re-estimated): a rolling origin without re-estimation. The backtest
costs one fit per candidate, never peeks ahead, and errs on the safe side (the later windows use a model
estimated on less data than the final one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from shoplens.forecasting import metrics as M

Factory = Callable[[object | None], object]  # spec (or None) -> unfitted model


@dataclass
class WindowPlan:
    cutoffs: list[int]  # training length of each window (the forecast starts at index cutoff)
    h: int
    step: int

    @property
    def n_windows(self) -> int:
        return len(self.cutoffs)


def plan_windows(n: int, h: int, n_windows: int = 3, step: int | None = None, min_train: int = 10) -> WindowPlan:
    """Cutoffs for up to ``n_windows`` windows; fewer when the history is short (possibly none)."""
    step = int(step or h)
    if step < 1:
        raise ValueError("step must be >= 1")
    cutoffs = [n - h - step * i for i in range(n_windows)]
    cutoffs = sorted(c for c in cutoffs if c >= min_train)
    return WindowPlan(cutoffs=cutoffs, h=h, step=step)


@dataclass
class BacktestResult:
    name: str  # candidate name, e.g. "arima" or "arima+calendar"
    model: str  # model family
    regressors: tuple[str, ...]
    preds: list[dict[str, np.ndarray]]  # one per window
    metrics: dict[str, float]  # averaged over windows
    per_window: list[dict[str, float]] = field(default_factory=list)
    description: str = ""
    spec: object | None = None
    seconds: float = 0.0
    error: str | None = None
    final: dict[str, np.ndarray] | None = None  # forecast already made on the full history (global models)

    @property
    def score(self) -> float:
        """What model selection minimises: MASE, or MAE when MASE is undefined (zero scale)."""
        v = self.metrics.get("mase", np.nan)
        return float(v) if np.isfinite(v) else float(self.metrics.get("mae", np.inf))


def apply_closed(p: dict[str, np.ndarray], closed: np.ndarray | None, start: int, h: int) -> dict[str, np.ndarray]:
    """Zero a forecast (mean and bounds) on the closed days among the ``h`` steps from index ``start``."""
    if closed is None:
        return p
    shut = closed[start:start + h]
    if not shut.any():
        return p
    return {k: np.where(shut, 0.0, v) for k, v in p.items()}


def score_windows(
    y: np.ndarray, plan: WindowPlan, preds: list[dict[str, np.ndarray]], season_length: int, levels: list[int]
) -> tuple[dict[str, float], list[dict[str, float]]]:
    per = []
    for c, p in zip(plan.cutoffs, preds, strict=True):
        per.append(M.evaluate(y[c:c + plan.h], p, y[:c], season_length, levels))
    keys = per[0].keys() if per else []
    avg = {k: float(np.nanmean([w[k] for w in per])) if any(np.isfinite(w[k]) for w in per) else float("nan")
           for k in keys}
    return avg, per


def backtest_candidate(
    y: np.ndarray,
    X: np.ndarray | None,
    plan: WindowPlan,
    factory: Factory,
    *,
    name: str,
    model: str,
    regressors: tuple[str, ...] = (),
    season_length: int = 1,
    levels: list[int] | None = None,
    nonnegative: bool = False,
    closed: np.ndarray | None = None,
) -> BacktestResult:
    """Fit/predict the candidate on each window and score it against the actuals."""
    levels = list(levels or [80, 95])
    preds: list[dict[str, np.ndarray]] = []
    spec = None
    description = ""
    start = time.perf_counter()
    m = None
    for c in plan.cutoffs:
        Xtr = None if X is None else X[:c]
        Xte = None if X is None else X[c:c + plan.h]
        if m is not None and hasattr(m, "update"):
            m.update(y[:c], Xtr)  # estimated once, on the first window, then rolled forward
        else:
            m = factory(spec)
            m.fit(y[:c], Xtr)
        if spec is None:
            spec = getattr(m, "spec_", None)
            description = m.description
        p = m.predict(plan.h, Xte, levels)
        if nonnegative:
            p = {k: np.maximum(v, 0.0) for k, v in p.items()}
        preds.append(apply_closed(p, closed, c, plan.h))
    avg, per = score_windows(y, plan, preds, season_length, levels)
    return BacktestResult(
        name=name, model=model, regressors=tuple(regressors), preds=preds, metrics=avg, per_window=per,
        description=description, spec=spec, seconds=time.perf_counter() - start,
    )
