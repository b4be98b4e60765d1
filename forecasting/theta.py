"""The Theta method (Assimakopoulos & Nikolopoulos 2000), the M3 winner and a strong M4 benchmark.

The (seasonally adjusted) series is split into its linear trend and a "theta line" ``Z = theta*y + (1-theta)*trend``
that amplifies the local curvature; SES forecasts the theta line, the trend is extrapolated, and the two are
combined with weights ``1/theta`` and ``1 - 1/theta``. ``theta = 2`` is the classical method (SES with drift,
Hyndman & Billah 2003). The optimised variant (Fioruci et al. 2016) picks theta from a small grid by the
in-sample one-step error. Seasonality is removed first when the M4 test finds it (:mod:`smoothing`).
"""

from __future__ import annotations

import numpy as np

from shoplens.forecasting.base import normal_bands
from shoplens.forecasting.smoothing import Seasonality, SESFit, deseasonalize, ses, ses_levels

THETAS = (1.0, 1.5, 2.0, 2.5, 3.0)


class Theta:
    """Theta method on the seasonally adjusted series (``optimize`` picks theta from :data:`THETAS`)."""

    name = "theta"
    uses_exog = False

    def __init__(self, season_length: int = 1, theta: float | None = 2.0, spec: object | None = None) -> None:
        self.season_length = int(season_length)
        self.theta = theta  # None: optimised
        self.spec = spec

    def _one(self, z: np.ndarray, theta: float) -> tuple[SESFit, float, float, float]:
        n = len(z)
        t = np.arange(n, dtype=float)
        b, a = np.polyfit(t, z, 1) if n > 2 else (0.0, float(np.mean(z)))
        line = theta * z + (1 - theta) * (a + b * t)
        fit = ses(line)
        # one-step in-sample error of the combined forecast, for the choice of theta
        lv = ses_levels(line, fit.alpha)
        w = 1 - 1 / theta
        comb = w * (a + b * t[1:]) + (1 - w) * lv[:-1]
        mse = float(np.mean((z[1:] - comb) ** 2)) if n > 1 else 0.0
        return fit, float(a), float(b), mse

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> Theta:
        y = np.asarray(y, dtype=float)
        self.n_ = len(y)
        self.seas_: Seasonality = deseasonalize(y, self.season_length)
        z = self.seas_.remove(y)
        thetas = [float(self.spec)] if self.spec is not None else ([self.theta] if self.theta else list(THETAS))
        best = None
        for th in thetas:
            fit, a, b, mse = self._one(z, th)
            if best is None or mse < best[-1] - 1e-12:
                best = (th, fit, a, b, mse)
        assert best is not None
        self.theta_, self.ses_, self.a_, self.b_, _ = best
        self.spec_ = self.theta_
        self.sigma_ = float(np.sqrt(best[-1]))
        return self

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        w = 1 - 1 / self.theta_
        t = np.arange(self.n_, self.n_ + h, dtype=float)
        mean = w * (self.a_ + self.b_ * t) + (1 - w) * self.ses_.level
        sd = self.sigma_ * np.sqrt(1 + self.ses_.alpha**2 * np.arange(h))
        out = normal_bands(mean, sd, level)
        return {k: self.seas_.restore(v) for k, v in out.items()}

    @property
    def description(self) -> str:
        th = getattr(self, "theta_", self.theta or 2.0)
        kind = {"mul": ", seasonally adjusted", "add": ", seasonally adjusted (STL)"}.get(
            getattr(getattr(self, "seas_", None), "kind", "none"), "")
        return f"Theta (theta={th:g}{kind})"
