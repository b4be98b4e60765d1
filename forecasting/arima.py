"""Automatic ARIMA: regression with seasonal ARIMA errors, orders chosen like R's ``auto.arima``.

Steps of :meth:`AutoARIMA.fit`:

1. Seasonal differencing ``D``: STL seasonal strength above 0.64 (Wang, Smith & Hyndman 2006; R's ``nsdiffs``).
2. Differencing ``d``: repeated KPSS tests (alpha 5%) on the regression residuals, with an ADF test recorded.
3. Yearly seasonality of daily and weekly data as Fourier terms (``K`` sine/cosine pairs chosen by AIC) instead
   of a seasonal period of 365 or 52, which state-space models cannot fit quickly.
4. Stepwise AIC search over (p,q)(P,Q) and the constant (Hyndman & Khandakar 2008), each candidate fitted by
   conditional sum of squares (:mod:`shoplens.forecasting.css`).
5. Log or raw scale: both are searched when the data are positive; AICs are compared with the Jacobian term.
6. The chosen model is run through statsmodels' SARIMAX Kalman filter for the forecast and exact intervals.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import lfilter

from shoplens.forecasting.base import levels_or_default
from shoplens.forecasting.css import CSSFit, ar_poly, difference, fit_css, fit_css_gls, ma_poly, psi_weights
from shoplens.forecasting.diagnostics import fourier, seasonal_strength, unit_root_tests

_SEASONAL_ARMA_MAX_S = 24  # above this (weekly data, s=52): no seasonal AR/MA terms, Fourier or lag-52 differencing
MAX_KALMAN_STATES = 40  # larger state spaces are forecast by recursion from the CSS fit (see _recursive_forecast)


@dataclass(frozen=True)
class ArimaSpec:
    p: int
    d: int
    q: int
    P: int = 0
    D: int = 0
    Q: int = 0
    s: int = 1
    constant: bool = False
    fourier_k: int = 0
    log: bool = False
    season_terms: bool = False  # fixed seasonal pattern (period-s sine/cosine terms) instead of differencing

    @property
    def code(self) -> str:
        text = f"ARIMA({self.p},{self.d},{self.q})"
        if self.s > 1:
            text += f"({self.P},{self.D},{self.Q})[{self.s}]"
        if self.constant:
            text += " with drift" if self.d + self.D == 1 else " with mean"
        if self.season_terms:
            text += f" + fixed {self.s}-period pattern"
        if self.fourier_k:
            text += f" + yearly Fourier K={self.fourier_k}"
        if self.log:
            text += " on log scale"
        return text


class AutoARIMA:
    """Regression with seasonal ARIMA errors and automatic order selection.

    ``season_length``: the short season (7 for daily, 52 for weekly, 12 for monthly data).
    ``year_period``: steps per year for Fourier yearly seasonality (365.25 daily, 52.18 weekly; None to skip).
    ``spec``: skip the search and refit this specification (the backtest reuses its first window's choice).
    """

    name = "arima"
    uses_exog = True
    year_period_: float | None  # set by fit: steps per year for the Fourier terms (None: no yearly terms)
    k_max_: int  # set by fit: most Fourier pairs worth trying

    def __init__(
        self,
        season_length: int = 1,
        year_period: float | None = None,
        spec: ArimaSpec | None = None,
        max_p: int = 5,
        max_q: int = 5,
        max_P: int = 2,
        max_Q: int = 2,
        max_d: int = 2,
        max_D: int = 1,
        max_k: int = 10,
        max_models: int = 60,
        transform: str = "auto",
        start: ArimaSpec | None = None,
        kalman: bool = True,
    ) -> None:
        self.season_length = int(season_length)
        self.year_period = year_period
        self.spec = spec
        self.max_p, self.max_q, self.max_P, self.max_Q = max_p, max_q, max_P, max_Q
        self.max_d, self.max_D, self.max_k = max_d, max_D, max_k
        self.max_models = max_models
        self.transform = transform
        self.start = start  # search only the ARMA orders, from this spec's orders (regressor variants)
        self.kalman = kalman  # False: forecast by recursion (the backtest does; the final fit uses the filter)
        self.tests_: dict[str, float] = {}
        self.timings_: dict[str, float] = {}  # where fit time goes: unit-root tests, search, final fit, filter

    # ----- design --------------------------------------------------------------------------------------------
    def _s(self, n: int) -> int:
        s = self.season_length
        return s if 1 < s <= _SEASONAL_ARMA_MAX_S and n >= 2 * s + 2 else 1

    def _year(self, n: int) -> float | None:
        yp = self.year_period
        long_season = self.season_length > _SEASONAL_ARMA_MAX_S
        if yp is None and long_season:
            yp = float(self.season_length)
        if yp is None or yp <= self._s(n) or n < 2 * yp:
            return None
        return yp

    def _design(self, t: np.ndarray, X: np.ndarray | None, K: int, const: str | None, s_terms: int = 0) -> np.ndarray:
        cols = [] if X is None else [X]
        if s_terms > 1:
            f = fourier(t, s_terms, s_terms // 2)
            cols.append(f[:, np.abs(f).max(axis=0) > 1e-9] if len(f) else f)
        yp = self.year_period_
        if K and yp:
            cols.append(fourier(t, yp, K))
        if const == "mean":
            cols.append(np.ones((len(t), 1)))
        elif const == "drift":
            cols.append(t[:, None].astype(float))
        return np.column_stack(cols) if cols else np.zeros((len(t), 0))

    @staticmethod
    def _const_kind(spec_d: int, spec_D: int, constant: bool) -> str | None:
        if not constant or spec_d + spec_D > 1:
            return None
        return "mean" if spec_d + spec_D == 0 else "drift"

    # ----- search --------------------------------------------------------------------------------------------
    def _long_season(self, y: np.ndarray) -> bool:
        """Seasonal differencing at a long season (52 weeks) when the series has a strong, stable yearly shape."""
        m = self.season_length
        if m <= _SEASONAL_ARMA_MAX_S or self.max_D == 0 or len(y) < 2 * m + 20:
            return False
        t0 = time.perf_counter()
        strength = seasonal_strength(np.log(y) if np.min(y) > 0 else y, m)
        self.timings_["tests"] = self.timings_.get("tests", 0.0) + time.perf_counter() - t0
        self.tests_["seasonal_strength"] = round(strength, 3)
        return strength > 0.64

    def _choose_D(self, z: np.ndarray, s: int) -> int:
        if s == 1 or self.max_D == 0 or len(z) < 3 * s:
            return 0
        t0 = time.perf_counter()
        strength = seasonal_strength(z, s)
        self.timings_["tests"] = self.timings_.get("tests", 0.0) + time.perf_counter() - t0
        self.tests_["seasonal_strength"] = round(strength, 3)
        return 1 if strength > 0.64 else 0

    def _choose_d(self, z: np.ndarray, X: np.ndarray | None, t: np.ndarray, D: int, s: int) -> int:
        base = self._design(t, X, self.k_max_, "mean")
        r = z
        if base.shape[1]:
            beta, *_ = np.linalg.lstsq(base, z, rcond=None)
            r = z - base @ beta
        r = difference(r, 0, D, s)
        d = 0
        t0 = time.perf_counter()
        while d < self.max_d:
            kp, adf = unit_root_tests(r)
            if d == 0:
                self.tests_["kpss_p"], self.tests_["adf_p"] = round(kp, 4), round(adf, 4)
            if kp >= 0.05:
                break
            r = np.diff(r)
            d += 1
        self.timings_["tests"] = self.timings_.get("tests", 0.0) + time.perf_counter() - t0
        return d

    def _css(self, z, X, t, spec: ArimaSpec, n_cond: int, fixed_beta: bool) -> CSSFit:
        W = self._design(t, X, spec.fourier_k, self._const_kind(spec.d, spec.D, spec.constant),
                         spec.s if spec.season_terms else 0)
        w = difference(z, spec.d, spec.D, spec.s)
        Wd = difference(W, spec.d, spec.D, spec.s) if W.shape[1] else None
        if not fixed_beta:
            return fit_css_gls(w, Wd, spec.p, spec.q, spec.P, spec.Q, spec.s, n_cond)
        beta = None
        if Wd is not None:
            beta, *_ = np.linalg.lstsq(Wd, w, rcond=None)
        return fit_css(w, Wd, spec.p, spec.q, spec.P, spec.Q, spec.s, n_cond, beta=beta)

    def _search(self, y: np.ndarray, X: np.ndarray | None) -> ArimaSpec:
        n = len(y)
        t = np.arange(n, dtype=float)
        start = self.start
        if start is not None and start.log and np.min(y) <= 0:
            start = None
        s, D, d, s_terms, long_season = self._differencing(y, X, t, start)
        bounds = self._order_bounds(n - d - s * D, s, long_season)
        max_p, max_q, max_P, max_Q = bounds
        n_cond = max_p + s * max_P
        cache: dict[ArimaSpec, float] = {}
        logs = [False]
        if self.transform in ("auto", "log") and np.min(y) > 0:
            logs = [True] if self.transform == "log" else [False, True]
        zs = {False: y, True: np.log(y) if np.min(y) > 0 else y}

        def score(spec: ArimaSpec) -> float:
            if spec not in cache:
                z = zs[spec.log]
                fit = self._css(z, X, t, spec, n_cond, fixed_beta=True)
                # log-scale likelihoods are made comparable with the Jacobian of the transform
                cache[spec] = fit.aic + (2 * np.sum(z[-fit.n_eff:]) if spec.log else 0.0)
            return cache[spec]

        const_ok = d + D <= 1
        # scale (raw/log) and Fourier K by AIC with a small ARMA
        base = ArimaSpec(min(1, max_p), d, min(1, max_q), 0, D, min(1, max_Q), s, const_ok, 0, False, s_terms)
        ks = [k for k in (0, 1, 2, 3, 4, 6, 8, 10) if k <= self.k_max_] if self.year_period_ else [0]
        if start is not None and (start.fourier_k == 0 or self.year_period_):
            first = replace(start, p=min(start.p, max_p), q=min(start.q, max_q), P=min(start.P, max_P),
                            Q=min(start.Q, max_Q), constant=start.constant and const_ok)
        else:
            grid = [replace(base, fourier_k=k, log=lg) for lg in logs for k in ks]
            first = min(grid, key=score)
        best = self._stepwise(first, replace(base, fourier_k=first.fourier_k, log=first.log), bounds, score, cache)
        self.n_models_ = len(cache)
        return best

    def _differencing(self, y: np.ndarray, X: np.ndarray | None, t: np.ndarray,
                      start: ArimaSpec | None) -> tuple[int, int, int, bool, bool]:
        """Season length, seasonal and plain differencing, seasonal ARMA terms allowed, long (lag-52) season."""
        if start is not None:  # differencing, seasonality terms, Fourier K and scale come from the start spec
            s, D, d, s_terms = start.s, start.D, start.d, start.season_terms
            long_season = s > _SEASONAL_ARMA_MAX_S
            if long_season or not self.year_period_:
                self.year_period_, self.k_max_ = (None, 0) if long_season else (self.year_period_, self.k_max_)
            return s, D, d, s_terms, long_season
        s = self._s(len(y))
        long_season = self._long_season(y)
        if long_season:  # weekly data with a strong yearly pattern: difference at lag 52, like R's auto.arima
            s, D = self.season_length, 1
            self.year_period_, self.k_max_ = None, 0
        else:
            D = self._choose_D(y, s)
        s_terms = 1 < s <= _SEASONAL_ARMA_MAX_S and D == 0
        d = self._choose_d(y, X, t, D, s)
        return s, D, d, s_terms, long_season

    def _order_bounds(self, n_diff: int, s: int, long_season: bool) -> tuple[int, int, int, int]:
        """Largest p, q, P, Q worth trying on ``n_diff`` differenced values."""
        max_p = int(min(self.max_p, max(0, n_diff // 10)))
        max_q = int(min(self.max_q, max(0, n_diff // 10)))
        max_P = self.max_P if 1 < s <= _SEASONAL_ARMA_MAX_S and n_diff >= 3 * s else 0
        max_Q = self.max_Q if 1 < s <= _SEASONAL_ARMA_MAX_S and n_diff >= 3 * s else 0
        if long_season:
            max_Q = 1 if n_diff >= s + 20 else 0  # one seasonal MA term at most: the state space stays small
        return max_p, max_q, max_P, max_Q

    def _stepwise(self, first: ArimaSpec, shape: ArimaSpec, bounds: tuple[int, int, int, int],
                  score: Callable[[ArimaSpec], float], cache: dict[ArimaSpec, float]) -> ArimaSpec:
        """Hyndman-Khandakar stepwise search from a few starting orders: move p, q, P, Q (and the constant) by one
        while the AIC improves, at most ``max_models`` fits. ``shape`` fixes d, D, s, Fourier K, scale, constant."""
        max_p, max_q, max_P, max_Q = bounds

        def make(p: int, q: int, P: int, Q: int, c: bool) -> ArimaSpec:
            return replace(shape, p=p, q=q, P=P, Q=Q, constant=c and shape.constant)

        starts = [(2, 2, 1, 1, True), (0, 0, 0, 0, True), (1, 0, 1, 0, True), (0, 1, 0, 1, True), (0, 0, 0, 0, False)]
        best, best_aic = first, score(first)
        for p, q, P, Q, c in starts:
            spec = make(min(p, max_p), min(q, max_q), min(P, max_P), min(Q, max_Q), c)
            a = score(spec)
            if a < best_aic:
                best, best_aic = spec, a
        improved = True
        while improved and len(cache) < self.max_models:
            improved = False
            b = best
            moves = [(0, 0, dP, 0) for dP in (-1, 1)] + [(0, 0, 0, dQ) for dQ in (-1, 1)]
            moves += [(0, 0, x, x) for x in (-1, 1)] + [(dp, 0, 0, 0) for dp in (-1, 1)]
            moves += [(0, dq, 0, 0) for dq in (-1, 1)] + [(x, x, 0, 0) for x in (-1, 1)]
            cands = [make(b.p + dp, b.q + dq, b.P + dP, b.Q + dQ, b.constant) for dp, dq, dP, dQ in moves]
            cands.append(make(b.p, b.q, b.P, b.Q, not b.constant))
            for cand in cands:
                if not (0 <= cand.p <= max_p and 0 <= cand.q <= max_q and 0 <= cand.P <= max_P
                        and 0 <= cand.Q <= max_Q):
                    continue
                if score(cand) < best_aic - 1e-6:
                    best, best_aic, improved = cand, score(cand), True
                    break
        return best

    # ----- public API ----------------------------------------------------------------------------------------
    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> AutoARIMA:
        y = np.asarray(y, dtype=float)
        n = len(y)
        X = None if X is None else np.asarray(X, dtype=float).reshape(n, -1)
        if X is not None and X.shape[1] == 0:
            X = None
        self.n_, self.X_cols_ = n, 0 if X is None else X.shape[1]
        self.year_period_ = self._year(n)
        self.k_max_ = 0
        if self.year_period_:
            self.k_max_ = int(min(self.max_k, self.year_period_ // 2 - 1, max(0, (n - 20) // 40)))
        self.flat_ = float(y[-1]) if np.ptp(y) == 0 else None
        if self.flat_ is not None:
            self.spec_ = ArimaSpec(0, 0, 0)
            return self
        if self.spec is not None:
            spec = self.spec
            if spec.log and np.min(y) <= 0:
                spec = replace(spec, log=False)
            if spec.fourier_k and not self.year_period_:
                spec = replace(spec, fourier_k=0)
            self.spec_ = spec
        else:
            t0 = time.perf_counter()
            self.spec_ = self._search(y, X)
            self.timings_["search"] = time.perf_counter() - t0
        self._fit_exact(y, X)
        return self

    def _fit_exact(self, y: np.ndarray, X: np.ndarray | None) -> None:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        t_start = time.perf_counter()
        spec = self.spec_
        z = np.log(y) if spec.log else y
        t = np.arange(len(z), dtype=float)
        s = spec.s
        n_cond = spec.p + s * spec.P
        fit = self._css(z, X, t, spec, n_cond, fixed_beta=False)
        if not fit.ok:  # the two-stage estimate the search used
            fit = self._css(z, X, t, spec, n_cond, fixed_beta=True)
        if not fit.ok:  # fall back to a safe model rather than fail
            spec = replace(spec, p=0, d=max(1, spec.d), q=1, P=0, Q=1 if s > 1 else 0, constant=False)
            fit = self._css(z, X, t, spec, spec.p + s * spec.P, fixed_beta=False)
            self.spec_ = spec
        self.css_ = fit
        self.const_kind_ = self._const_kind(spec.d, spec.D, spec.constant)
        exog = self._design(t, X, spec.fourier_k, self.const_kind_, spec.s if spec.season_terms else 0)
        self.z_, self.exog_ = z, exog
        t_filter = time.perf_counter()
        self.timings_["final_fit"] = t_filter - t_start
        self.res_ = None
        if self.kalman and self.state_dim(spec) <= MAX_KALMAN_STATES:
            params = np.r_[fit.beta, fit.phi, fit.theta, fit.Phi, fit.Theta, fit.sigma2]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = SARIMAX(
                    z,
                    exog=exog if exog.shape[1] else None,
                    order=(spec.p, spec.d, spec.q),
                    seasonal_order=(spec.P, spec.D, spec.Q, s) if s > 1 else (0, 0, 0, 0),
                    enforce_stationarity=False,
                    enforce_invertibility=False,
                )
                self.res_ = model.filter(params)
        self.timings_["kalman_filter"] = time.perf_counter() - t_filter

    def update(self, y: np.ndarray, X: np.ndarray | None = None) -> AutoARIMA:
        """Move the forecast origin to the end of a longer history, keeping the fitted coefficients (backtests:
        estimated once on the first window, then only filtered forward). Forecasts use the ARIMA recursion."""
        y = np.asarray(y, dtype=float)
        spec = getattr(self, "spec_", None)
        if spec is None or self.flat_ is not None or (spec.log and np.min(y) <= 0):
            self.spec = spec
            return self.fit(y, X)
        n = len(y)
        X = None if X is None or self.X_cols_ == 0 else np.asarray(X, dtype=float).reshape(n, -1)
        t = np.arange(n, dtype=float)
        self.n_ = n
        self.z_ = np.log(y) if spec.log else y
        self.exog_ = self._design(t, X, spec.fourier_k, self.const_kind_, spec.s if spec.season_terms else 0)
        self.res_ = None
        return self

    @staticmethod
    def state_dim(spec: ArimaSpec) -> int:
        """States of the SARIMAX representation (its Kalman filter costs about states^3 per observation)."""
        s = spec.s if spec.s > 1 else 0
        return spec.d + s * spec.D + max(spec.p + s * spec.P, spec.q + s * spec.Q + 1)

    def _recursive_forecast(self, h: int, exog: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Forecast mean and variance from the CSS fit directly: the ARIMA difference equation for the regression
        errors, and psi-weight variances. Used instead of the Kalman filter when the state space is large
        (weekly data differenced at lag 52 would need ~110 states); for long series the two agree closely."""
        f, spec = self.css_, self.spec_
        beta = f.beta if len(f.beta) else np.zeros(self.exog_.shape[1])
        u = self.z_ - (self.exog_ @ beta if self.exog_.shape[1] else 0.0)
        a = ar_poly(f.phi, f.Phi, spec.s)
        for _ in range(spec.D):
            seas = np.zeros(spec.s + 1)
            seas[0], seas[spec.s] = 1.0, -1.0
            a = np.convolve(a, seas)
        for _ in range(spec.d):
            a = np.convolve(a, [1.0, -1.0])
        m = ma_poly(f.theta, f.Theta, spec.s)
        # shocks: the CSS residuals of the differenced errors (zero before the differenced series starts)
        off = spec.d + spec.s * spec.D
        e = np.zeros(len(u))
        e[off:] = lfilter(ar_poly(f.phi, f.Phi, spec.s), m, difference(u, spec.d, spec.D, spec.s))
        uu, ee = np.r_[u, np.zeros(h)], np.r_[e, np.zeros(h)]
        n = len(u)
        for i in range(n, n + h):
            ar_part = -np.dot(a[1:], uu[i - 1::-1][: len(a) - 1]) if len(a) > 1 else 0.0
            ma_part = np.dot(m[1:], ee[i - 1::-1][: len(m) - 1]) if len(m) > 1 else 0.0
            uu[i] = ar_part + ma_part
        mu = uu[n:] + (exog @ beta if exog.shape[1] else 0.0)
        psi = psi_weights(f.phi, f.theta, f.Phi, f.Theta, spec.s, spec.d, spec.D, h)
        return mu, f.sigma2 * np.cumsum(psi**2)

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        levels = levels_or_default(level)
        if self.flat_ is not None:
            mean = np.full(h, self.flat_)
            return {"mean": mean, **{f"{b}-{lv}": mean.copy() for lv in levels for b in ("lo", "hi")}}
        spec = self.spec_
        if self.X_cols_ and (X is None or np.asarray(X).shape[0] != h):
            raise ValueError(f"the model was fitted with {self.X_cols_} regressors: pass their {h} future rows")
        Xf = None if not self.X_cols_ else np.asarray(X, dtype=float).reshape(h, -1)
        t = np.arange(self.n_, self.n_ + h, dtype=float)
        exog = self._design(t, Xf, spec.fourier_k, self.const_kind_, spec.s if spec.season_terms else 0)
        if self.res_ is None:
            mu, var = self._recursive_forecast(h, exog)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fc = self.res_.get_forecast(h, exog=exog if exog.shape[1] else None)
                mu = np.asarray(fc.predicted_mean, dtype=float)
                var = np.asarray(fc.var_pred_mean, dtype=float)
        sd = np.sqrt(np.maximum(var, 0))
        self.last_mu_ = mu
        from scipy.stats import norm

        out: dict[str, np.ndarray] = {}
        if spec.log:
            out["mean"] = np.exp(mu + var / 2)  # mean of the log-normal, not its median
        else:
            out["mean"] = mu
        for lv in levels:
            zq = norm.ppf(0.5 + lv / 200)
            lo, hi = mu - zq * sd, mu + zq * sd
            out[f"lo-{lv}"], out[f"hi-{lv}"] = (np.exp(lo), np.exp(hi)) if spec.log else (lo, hi)
        return out

    def total_interval(self, levels: list[int], n_paths: int = 2000, seed: int = 0) -> dict[int, tuple[float, float]]:
        """Range of the *sum* over the last predicted horizon, from simulated paths of the fitted model. The
        periods' errors are correlated (a level shift moves them all), so it is not the sum of their ranges."""
        mu = getattr(self, "last_mu_", None)
        if mu is None or self.flat_ is not None:
            total = float(self.flat_ * len(mu)) if mu is not None and self.flat_ is not None else 0.0
            return {lv: (total, total) for lv in levels}
        f, spec = self.css_, self.spec_
        psi = psi_weights(f.phi, f.theta, f.Phi, f.Theta, spec.s, spec.d, spec.D, len(mu))
        eps = np.random.default_rng(seed).normal(0.0, np.sqrt(f.sigma2), (n_paths, len(mu)))
        paths = mu + lfilter(psi, [1.0], eps, axis=1)
        totals = (np.exp(paths) if spec.log else paths).sum(axis=1)
        return {lv: (float(np.quantile(totals, (100 - lv) / 200)), float(np.quantile(totals, 1 - (100 - lv) / 200)))
                for lv in levels}

    @property
    def description(self) -> str:
        return self.spec_.code if hasattr(self, "spec_") else "ARIMA"
