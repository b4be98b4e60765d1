"""LSTM forecaster (torch): windowed inputs, per-window scaling, direct multi-step output, deterministic seeds.

* Input: the last ``input_size`` values divided by their window mean (so levels and trends do not matter),
  with the position in the short and yearly season as sine/cosine features and any regressors (standardised).
* Output: all ``h`` steps at once from the last hidden state, the future regressors and, when a year of
  history is available, the values one year before each target step (captures holidays and yearly peaks).
* Training: L1 loss, Adam, early stopping on the last windows in time; the best epoch's weights are kept.
* Intervals: empirical quantiles of the held-out windows' scaled errors per step (residual bootstrap).
* ``fit_many``/``predict_many`` train one *global* model across related series (each window scaled on its own).
* CPU by default, CUDA when present; ``seed`` makes runs repeatable (deterministic algorithms during training).
* One torch thread by default: the network is small, and on shared cores a second OpenMP thread mostly spins
  (measured 2-12x slower on the 2-core machine); run several series in processes instead.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np

from shoplens.forecasting.base import levels_or_default


class LSTMUnavailable(RuntimeError):
    """The series is too short to cut enough training windows."""


@contextlib.contextmanager
def _deterministic(seed: int, threads: int | None) -> Iterator[None]:
    import torch

    previous = torch.are_deterministic_algorithms_enabled()
    old_threads = torch.get_num_threads()
    torch.manual_seed(seed)
    # one intra-op thread always: reductions split over threads sum in a different order, so the thread count
    # would change the weights (``threads`` is kept for callers but cannot change a result)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.set_num_threads(old_threads)


def _net(n_in: int, n_fut: int, h: int, hidden: int, layers: int):
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(n_in, hidden, layers, batch_first=True)
            self.head = nn.Sequential(
                nn.Linear(hidden + h * n_fut + 1, 2 * hidden), nn.ReLU(), nn.Linear(2 * hidden, h)
            )

        def forward(self, past, fut, static):
            _, (hn, _) = self.lstm(past)
            return 1.0 + self.head(torch.cat([hn[-1], fut.flatten(1), static], dim=1))

    return Net()


class LSTM:
    """Direct multi-horizon LSTM. ``h`` is the horizon it is trained for (longer predictions are recursive)."""

    name = "lstm"
    uses_exog = True

    def __init__(
        self,
        h: int,
        season_length: int = 7,
        year_period: float | None = None,
        input_size: int | None = None,
        hidden_size: int = 32,
        num_layers: int = 1,
        max_epochs: int = 40,
        patience: int = 6,
        batch_size: int = 128,
        lr: float = 3e-3,
        val_frac: float = 0.15,
        seed: int = 0,
        t0: int = 0,
        device: str | None = None,
        threads: int | None = 1,
        max_windows: int = 4000,
    ) -> None:
        self.h = int(h)
        self.season_length = max(1, int(season_length))
        self.year_period = year_period
        self.input_size = input_size
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.max_epochs, self.patience, self.batch_size, self.lr = max_epochs, patience, batch_size, lr
        self.val_frac, self.seed, self.t0, self.device = val_frac, seed, t0, device
        self.threads, self.max_windows = threads, max_windows

    # ----- features ------------------------------------------------------------------------------------------
    def _positions(self, t: np.ndarray) -> np.ndarray:
        cols = []
        if self.season_length > 1:
            a = 2 * np.pi * t / self.season_length
            cols += [np.sin(a), np.cos(a)]
        if self.year_period:
            a = 2 * np.pi * t / self.year_period
            cols += [np.sin(a), np.cos(a), np.sin(2 * a), np.cos(2 * a)]
        return np.column_stack(cols) if cols else np.zeros((len(t), 0))

    def _plan(self, lengths: list[int]) -> None:
        m = self.season_length
        # two weeks of days, half a year of weeks, a year of months, two years of quarters
        L = self.input_size or {7: 14, 52: 26, 12: 12, 4: 8}.get(m, max(2 * m, 14) if m < 52 else m // 2)
        self.L_ = int(min(L, max(4, (min(lengths) - self.h) // 3)))
        yl = int(round(self.year_period / 7) * 7) if self.year_period and self.year_period > 300 else (
            int(round(self.year_period)) if self.year_period else 0
        )
        n_min = min(lengths)
        self.ylag_ = yl if yl and self.h <= yl and n_min >= yl + self.h + 60 else 0
        self.o_min_ = max(self.L_, self.ylag_)

    def _windows(self, y: np.ndarray, X: np.ndarray | None, t0: int, origins: np.ndarray):
        """Arrays for the windows starting their forecast at ``origins``."""
        L, h = self.L_, self.h
        n_total = len(y)
        t = np.arange(n_total + h, dtype=float) + t0
        pos = self._positions(t)
        idx_past = origins[:, None] + np.arange(-L, 0)[None, :]
        idx_fut = origins[:, None] + np.arange(h)[None, :]
        yp = y[idx_past]
        scale = np.abs(yp).mean(axis=1)
        scale = np.where(scale > 0, scale, 1.0)
        past = [yp / scale[:, None], pos[idx_past]]
        fut = [pos[idx_fut]]
        if X is not None:
            past.append(X[idx_past])
            fut.append(X[idx_fut])
        if self.ylag_:
            fut.append((y[idx_fut - self.ylag_] / scale[:, None])[..., None])
        past_arr = np.concatenate([a if a.ndim == 3 else a[..., None] for a in past], axis=2)
        fut_arr = np.concatenate(fut, axis=2)
        static = np.log1p(scale)[:, None]
        target = y[idx_fut] / scale[:, None] if idx_fut.max() < n_total else None
        return past_arr.astype(np.float32), fut_arr.astype(np.float32), static.astype(np.float32), scale, target

    # ----- training ------------------------------------------------------------------------------------------
    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> LSTM:
        return self.fit_many([y], None if X is None else [X], [self.t0])

    def fit_many(self, ys: list[np.ndarray], Xs: list[np.ndarray] | None = None,
                 t0s: list[int] | None = None) -> LSTM:
        import torch

        ys = [np.asarray(y, dtype=np.float64) for y in ys]
        t0s = list(t0s or [0] * len(ys))
        self._plan([len(y) for y in ys])
        if Xs is not None:
            Xs = [np.asarray(X, dtype=np.float64).reshape(len(y), -1) for X, y in zip(Xs, ys, strict=True)]
            allX = np.concatenate(Xs)
            self.x_mu_, self.x_sd_ = allX.mean(0), allX.std(0)
            self.x_sd_[self.x_sd_ == 0] = 1.0
            Xs = [(X - self.x_mu_) / self.x_sd_ for X in Xs]
            self.n_x_ = Xs[0].shape[1]
        else:
            self.n_x_ = 0
        train, val = [], []
        for i, y in enumerate(ys):
            origins = np.arange(self.o_min_, len(y) - self.h + 1)
            if len(origins) < 12:
                continue
            n_val = max(2, int(np.ceil(self.val_frac * len(origins))))
            val_o = origins[-n_val:]
            tr_o = origins[origins <= val_o[0] - self.h]
            X = None if Xs is None else Xs[i]
            val.append(self._windows(y, X, t0s[i], val_o))
            if len(tr_o):
                train.append(self._windows(y, X, t0s[i], tr_o))
        n_train = sum(len(w[0]) for w in train)
        if n_train < 20:
            raise LSTMUnavailable(f"too little history for an LSTM ({n_train} training windows)")
        cat = [np.concatenate([w[j] for w in train]) for j in range(3)]
        vcat = [np.concatenate([w[j] for w in val]) for j in range(3)]
        ytr = np.concatenate([w[4] for w in train])
        yva = np.concatenate([w[4] for w in val])
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.device_ = device
        with _deterministic(self.seed, self.threads):
            net = _net(cat[0].shape[2], cat[1].shape[2], self.h, self.hidden_size, self.num_layers).to(device)
            tr = [torch.from_numpy(a).to(device) for a in (*cat, ytr.astype(np.float32))]
            va = [torch.from_numpy(a).to(device) for a in (*vcat, yva.astype(np.float32))]
            opt = torch.optim.Adam(net.parameters(), lr=self.lr)
            gen = torch.Generator().manual_seed(self.seed)
            best, best_state, bad = np.inf, None, 0
            start = time.perf_counter()
            n = len(tr[0])
            per_epoch = min(n, self.max_windows)
            self.epochs_ = 0
            for _epoch in range(self.max_epochs):
                net.train()
                perm = torch.randperm(n, generator=gen)[:per_epoch].to(device)
                for b in range(0, per_epoch, self.batch_size):
                    ix = perm[b:b + self.batch_size]
                    opt.zero_grad()
                    loss = torch.nn.functional.l1_loss(net(tr[0][ix], tr[1][ix], tr[2][ix]), tr[3][ix])
                    loss.backward()
                    opt.step()
                net.eval()
                with torch.no_grad():
                    vloss = float(torch.nn.functional.l1_loss(net(va[0], va[1], va[2]), va[3]))
                self.epochs_ += 1
                if vloss < best - 1e-5:
                    best, bad = vloss, 0
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    bad += 1
                if bad >= self.patience:  # no time budget: the result must not depend on machine load
                    break
            if best_state is not None:
                net.load_state_dict(best_state)
            net.eval()
            with torch.no_grad():
                vpred = net(va[0], va[1], va[2]).cpu().numpy().astype(np.float64)
        self.net_ = net
        self.val_loss_ = best
        self.resid_ = yva - vpred  # scaled errors of held-out windows, shape (windows, h)
        self.ys_, self.Xs_, self.t0s_ = ys, Xs, t0s
        self.train_s_ = time.perf_counter() - start
        return self

    def update(self, y: np.ndarray, X: np.ndarray | None = None) -> LSTM:
        """Move the forecast origin to the end of ``y`` without retraining (used by the backtest)."""
        if len(self.ys_) != 1:
            raise ValueError("update() is for single-series models; use update_many()")
        return self.update_many([y], None if X is None else [X])

    def update_many(self, ys: list[np.ndarray], Xs: list[np.ndarray] | None = None) -> LSTM:
        """New histories for the series the model was trained on (same order), without retraining."""
        if len(ys) != len(self.ys_):
            raise ValueError(f"expected {len(self.ys_)} series, got {len(ys)}")
        self.ys_ = [np.asarray(y, dtype=np.float64) for y in ys]
        if self.n_x_ and Xs is not None:
            self.Xs_ = [(np.asarray(X, dtype=np.float64).reshape(len(y), -1) - self.x_mu_) / self.x_sd_
                        for X, y in zip(Xs, ys, strict=True)]
        return self

    # ----- prediction ----------------------------------------------------------------------------------------
    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        return self.predict_many(h, None if X is None else [X], level)[0]

    def predict_many(self, h: int, Xs: list[np.ndarray] | None = None,
                     level: list[int] | None = None) -> list[dict[str, np.ndarray]]:
        """Forecast every series the model holds; one network call per chunk of ``self.h`` steps for all."""
        import torch

        levels = levels_or_default(level)
        k = len(self.ys_)
        hist = [y.copy() for y in self.ys_]
        XX: list[np.ndarray | None] = [None] * k
        if self.n_x_:
            if Xs is None or any(x is None for x in Xs):
                raise ValueError(f"the model was fitted with {self.n_x_} regressors: pass their {h} future rows")
            XX = [np.concatenate([self.Xs_[i], (np.asarray(Xs[i], dtype=np.float64).reshape(h, -1) - self.x_mu_)
                                  / self.x_sd_]) for i in range(k)]
        means: list[list[np.ndarray]] = [[] for _ in range(k)]
        scales: list[list[np.ndarray]] = [[] for _ in range(k)]
        done = 0
        while done < h:
            take = min(self.h, h - done)
            parts = []
            for i in range(k):
                o = len(hist[i])
                Xpad = None
                if XX[i] is not None:
                    Xpad = XX[i][: o + self.h]
                    if len(Xpad) < o + self.h:  # beyond the given future rows: repeat the last one
                        Xpad = np.concatenate([Xpad, np.repeat(Xpad[-1:], o + self.h - len(Xpad), 0)])
                parts.append(self._windows(np.r_[hist[i], np.zeros(self.h)], Xpad, self.t0s_[i], np.array([o])))
            batch = [np.concatenate([p[j] for p in parts]) for j in range(3)]
            with torch.no_grad():
                out = self.net_(*(torch.from_numpy(a).to(self.device_) for a in batch)).cpu().numpy()
            for i, p in enumerate(parts):
                step = out[i].astype(np.float64) * p[3][0]
                means[i].append(step[:take])
                scales[i].append(np.full(take, p[3][0]))
                hist[i] = np.r_[hist[i], step[:take]]
            done += take
        results = []
        for i in range(k):
            mean, sc = np.concatenate(means[i]), np.concatenate(scales[i])
            res = {"mean": mean}
            for lv in levels:
                lo_q, hi_q = self._quantiles(lv, h)
                res[f"lo-{lv}"] = mean + lo_q * sc
                res[f"hi-{lv}"] = mean + hi_q * sc
            results.append(res)
        return results

    def _quantiles(self, lv: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        a = (100 - lv) / 200
        r = self.resid_
        if len(r) >= 20:
            lo, hi = np.quantile(r, a, axis=0), np.quantile(r, 1 - a, axis=0)
        else:
            lo = np.full(self.h, np.quantile(r, a))
            hi = np.full(self.h, np.quantile(r, 1 - a))
        lo, hi = np.minimum.accumulate(lo), np.maximum.accumulate(hi)  # never narrower further out
        if h > self.h:  # recursive steps: widen with the square root of the number of chunks
            k = np.arange(h) // self.h
            return np.resize(lo, h) * np.sqrt(k + 1), np.resize(hi, h) * np.sqrt(k + 1)
        return lo[:h], hi[:h]

    @property
    def description(self) -> str:
        if not hasattr(self, "net_"):
            return "LSTM"
        extra = ", last year's values" if self.ylag_ else ""
        return f"LSTM({self.hidden_size} units, {self.L_}-step window{extra})"
