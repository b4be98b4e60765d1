"""Conditional-sum-of-squares (CSS) estimation of multiplicative seasonal ARMA errors, in numpy/scipy.

Why this exists: a statsmodels SARIMAX maximum-likelihood fit of a daily series with s=7 takes 1-8 s per
candidate on these machines, and a stepwise order search needs 20-60 candidates. CSS (Box & Jenkins; R's
``auto.arima(approximation=TRUE)`` does the same for long series) evaluates a candidate in a few
milliseconds: the residuals are one ``scipy.signal.lfilter`` call. The order search runs on CSS; the chosen
model then goes through SARIMAX's exact Kalman filter for the forecast and its intervals.

Regression coefficients are *concentrated out* (variable projection): because the ARMA filter is linear,
``e = F(w) - F(W) beta``, so for given ARMA parameters the best ``beta`` is an ordinary least-squares solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import lfilter


def ar_poly(phi: np.ndarray, Phi: np.ndarray, s: int) -> np.ndarray:
    """Coefficients of (1 - phi_1 B - ...)(1 - Phi_1 B^s - ...) in increasing powers of B."""
    a = np.r_[1.0, -np.asarray(phi, dtype=float)]
    if len(Phi):
        seas = np.zeros(len(Phi) * s + 1)
        seas[0] = 1.0
        seas[s::s] = -np.asarray(Phi, dtype=float)
        a = np.convolve(a, seas)
    return a


def ma_poly(theta: np.ndarray, Theta: np.ndarray, s: int) -> np.ndarray:
    """Coefficients of (1 + theta_1 B + ...)(1 + Theta_1 B^s + ...)."""
    m = np.r_[1.0, np.asarray(theta, dtype=float)]
    if len(Theta):
        seas = np.zeros(len(Theta) * s + 1)
        seas[0] = 1.0
        seas[s::s] = np.asarray(Theta, dtype=float)
        m = np.convolve(m, seas)
    return m


def roots_ok(poly: np.ndarray, margin: float = 1.001) -> bool:
    """True when every root of the lag polynomial lies outside the unit circle (stationary / invertible)."""
    poly = np.trim_zeros(np.asarray(poly, dtype=float), "b")
    if not np.all(np.isfinite(poly)):
        return False
    if len(poly) <= 1:
        return True
    roots = np.roots(poly[::-1])
    return bool(np.all(np.abs(roots) > margin))


def difference(x: np.ndarray, d: int, D: int, s: int) -> np.ndarray:
    """Apply (1-B)^d (1-B^s)^D along axis 0 (the first d + s*D rows are lost)."""
    x = np.asarray(x, dtype=float)
    for _ in range(D):
        x = x[s:] - x[:-s]
    for _ in range(d):
        x = x[1:] - x[:-1]
    return x


@dataclass
class CSSFit:
    phi: np.ndarray
    theta: np.ndarray
    Phi: np.ndarray
    Theta: np.ndarray
    beta: np.ndarray
    sigma2: float
    sse: float
    n_eff: int
    k: int  # estimated parameters including sigma2
    ok: bool  # stationary, invertible and finite

    @property
    def loglik(self) -> float:
        n = self.n_eff
        return -0.5 * n * (np.log(2 * np.pi * self.sse / n) + 1)

    @property
    def aic(self) -> float:
        return -2 * self.loglik + 2 * self.k if self.ok else np.inf

    @property
    def aicc(self) -> float:
        n, k = self.n_eff, self.k
        return self.aic + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)


def fit_css(
    w: np.ndarray,
    W: np.ndarray | None,
    p: int,
    q: int,
    P: int,
    Q: int,
    s: int,
    n_cond: int,
    x0: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    max_nfev: int = 200,
) -> CSSFit:
    """Fit ARMA(p,q)(P,Q)s errors to the differenced series ``w`` with differenced regressors ``W``.

    With ``beta`` given, the regression part is held fixed (fast search mode); otherwise it is solved by least
    squares inside every evaluation. The first ``n_cond`` residuals are dropped (their pre-sample values are
    unknown); use the same ``n_cond`` for every candidate you compare.
    """
    w = np.asarray(w, dtype=float)
    n = len(w)
    has_W = W is not None and W.shape[1] > 0
    if beta is not None and has_W:
        base = w - W @ beta
        data = base[:, None]
    else:
        data = np.column_stack([w, W]) if has_W else w[:, None]
    k_arma = p + q + P + Q
    free_beta = has_W and beta is None

    def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return x[:p], x[p:p + q], x[p + q:p + q + P], x[p + q + P:]

    def resid(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phi, theta, Phi, Theta = unpack(x)
        a, m = ar_poly(phi, Phi, s), ma_poly(theta, Theta, s)
        Z = lfilter(a, m, data, axis=0)[n_cond:]
        if not np.all(np.isfinite(Z)):
            return np.full(len(Z), np.inf), np.zeros(max(data.shape[1] - 1, 0))
        if free_beta:
            b, *_ = np.linalg.lstsq(Z[:, 1:], Z[:, 0], rcond=None)
            return Z[:, 0] - Z[:, 1:] @ b, b
        return Z[:, 0], np.zeros(0)

    def fun(x: np.ndarray) -> np.ndarray:
        e, _ = resid(x)
        if not np.all(np.isfinite(e)):
            return np.full(len(e), 1e10)
        return e

    def jac(x: np.ndarray) -> np.ndarray:
        return css_jacobian(x, data[:, 0], p, q, P, Q, s, n_cond)

    x = np.zeros(k_arma) if x0 is None else np.asarray(x0, dtype=float)
    if k_arma:
        with np.errstate(all="ignore"):
            sol = least_squares(fun, x, jac="2-point" if free_beta else jac, method="lm",
                                max_nfev=max_nfev * (1 if not free_beta else k_arma + 1), xtol=1e-6, ftol=1e-6)
        x = sol.x
    with np.errstate(all="ignore"):
        e, b = resid(x)
    phi, theta, Phi, Theta = unpack(x)
    sse = float(np.sum(e**2))
    n_eff = n - n_cond
    ok = (
        np.isfinite(sse)
        and sse > 0
        and roots_ok(ar_poly(phi, Phi, s))
        and roots_ok(ma_poly(theta, Theta, s))
    )
    if beta is not None and has_W:
        b = np.asarray(beta, dtype=float)
    k = k_arma + (W.shape[1] if has_W else 0) + 1
    return CSSFit(phi, theta, Phi, Theta, b, sse / max(n_eff, 1), sse, n_eff, k, bool(ok))


def css_jacobian(x: np.ndarray, z: np.ndarray, p: int, q: int, P: int, Q: int, s: int, n_cond: int) -> np.ndarray:
    """Analytic Jacobian of the CSS residuals ``e = a(B)/m(B) z`` with respect to (phi, theta, Phi, Theta).

    d e / d phi_i = -B^i Phi(B^s) z / m(B), d e / d theta_i = -B^i Theta(B^s) e / m(B), and likewise for the
    seasonal terms, so four filters give every column."""
    phi, theta, Phi, Theta = x[:p], x[p:p + q], x[p + q:p + q + P], x[p + q + P:]
    a, m = ar_poly(phi, Phi, s), ma_poly(theta, Theta, s)
    e = lfilter(a, m, z)
    J = np.zeros((len(z), len(x)))
    col = 0
    for coefs, lag, src, other in (
        (p, 1, z, ar_poly(np.zeros(0), Phi, s)),
        (q, 1, e, ma_poly(np.zeros(0), Theta, s)),
        (P, s, z, ar_poly(phi, np.zeros(0), s)),
        (Q, s, e, ma_poly(theta, np.zeros(0), s)),
    ):
        if not coefs:
            continue
        base = lfilter(other, m, src)
        for i in range(1, coefs + 1):
            sh = i * lag
            J[sh:, col] = -base[:-sh]
            col += 1
    J = J[n_cond:]
    return J if np.all(np.isfinite(J)) else np.zeros_like(J)


def css_residuals(x: np.ndarray, z: np.ndarray, p: int, q: int, P: int, Q: int, s: int, n_cond: int) -> np.ndarray:
    phi, theta, Phi, Theta = x[:p], x[p:p + q], x[p + q:p + q + P], x[p + q + P:]
    return lfilter(ar_poly(phi, Phi, s), ma_poly(theta, Theta, s), z)[n_cond:]


def fit_css_gls(
    w: np.ndarray, W: np.ndarray | None, p: int, q: int, P: int, Q: int, s: int, n_cond: int, iterations: int = 3
) -> CSSFit:
    """Joint regression + ARMA fit by alternating: ARMA on the OLS residuals, then GLS for the regression
    through the fitted ARMA filter, repeated. Each step uses the analytic Jacobian, so this is much faster than
    solving everything inside one numerically differentiated least-squares problem."""
    if W is None or W.shape[1] == 0:
        return fit_css(w, None, p, q, P, Q, s, n_cond)
    beta, *_ = np.linalg.lstsq(W, w, rcond=None)
    fit = fit_css(w, W, p, q, P, Q, s, n_cond, beta=beta)
    for _ in range(iterations):
        a, m = ar_poly(fit.phi, fit.Phi, s), ma_poly(fit.theta, fit.Theta, s)
        Z = lfilter(a, m, np.column_stack([w, W]), axis=0)[n_cond:]
        if not np.all(np.isfinite(Z)):
            break
        new_beta, *_ = np.linalg.lstsq(Z[:, 1:], Z[:, 0], rcond=None)
        x0 = np.r_[fit.phi, fit.theta, fit.Phi, fit.Theta]
        new = fit_css(w, W, p, q, P, Q, s, n_cond, beta=new_beta, x0=x0)
        if not new.ok or new.sse > fit.sse * (1 - 1e-6):
            if new.ok and new.sse <= fit.sse:
                fit = new
            break
        fit = new
    return fit


def psi_weights(phi: np.ndarray, theta: np.ndarray, Phi: np.ndarray, Theta: np.ndarray, s: int,
                d: int, D: int, h: int) -> np.ndarray:
    """MA(infinity) weights of the integrated model, for h-step forecast variances."""
    a = ar_poly(phi, Phi, s)
    for _ in range(d):
        a = np.convolve(a, [1.0, -1.0])
    for _ in range(D):
        seas = np.zeros(s + 1)
        seas[0], seas[s] = 1.0, -1.0
        a = np.convolve(a, seas)
    impulse = np.zeros(h)
    impulse[0] = 1.0
    return lfilter(ma_poly(theta, Theta, s), a, impulse)
