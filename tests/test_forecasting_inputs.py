"""Bad input, CSV reading and the `shoplens forecast --csv` command end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from shoplens.data.errors import UserInputError
from shoplens.forecasting.core import forecast
from shoplens.forecasting.inputs import parse_dates, parse_numbers, read_csv_series
from shoplens.forecasting.series import infer_freq, prepare_series
from shoplens.forecasting.synthetic import generate_series


def frame(y, start="2025-01-01", freq="D") -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(y), freq=freq), "y": y})


def test_too_short_for_seasons_falls_back_with_a_warning() -> None:
    res = forecast(frame(np.arange(10.0) + 5), 3, lstm="off")
    s = res.series[0]
    assert any("less than two seasons" in w for w in s.warnings)
    assert s.model in ("naive", "ets", "arima")
    assert "seasonal naive (repeat the last 7" not in s.description


def test_too_short_to_backtest_still_forecasts_and_says_so() -> None:
    s = forecast(frame([3.0, 4.0, 5.0, 4.0, 6.0]), 2).series[0]
    assert any("Too little history to backtest" in w for w in s.warnings)
    assert len(s.forecast) == 2 and s.leaderboard == []


def test_all_zero_and_constant_series() -> None:
    z = forecast(frame(np.zeros(60)), 7).series[0]
    assert (z.forecast["mean"] == 0).all() and (z.forecast["hi-95"] == 0).all()
    assert any("All values are zero" in w for w in z.warnings)
    c = forecast(frame(np.full(60, 12.5)), 7).series[0]
    assert (c.forecast["mean"] == 12.5).all()
    assert any("All values are equal (12.5)" in w for w in c.warnings)


def test_gaps_are_filled_with_zeros_and_stated() -> None:
    df = frame(np.arange(1.0, 61.0)).drop(index=[10, 11, 30])
    s = prepare_series("x", df["ds"], df["y"])
    assert s.n == 60 and s.y[10] == 0 and s.y[30] == 0
    assert s.notes == ["3 missing day(s) filled with 0: 2025-01-11, 2025-01-12, 2025-01-31."]
    interp = prepare_series("x", df["ds"], df["y"], fill="interpolate")
    assert interp.y[10] == pytest.approx(11.0)
    res = forecast(df, 7, lstm="off").series[0]
    assert any("filled with 0" in n for n in res.notes)


def test_negative_values_are_kept_with_a_warning_and_not_clipped() -> None:
    y = np.r_[np.full(40, 5.0), -3.0, np.full(19, 5.0)] + np.random.default_rng(0).normal(0, 1, 60)
    s = forecast(frame(y), 7, model="naive").series[0]
    assert any("negative value" in w for w in s.warnings)
    assert (s.forecast["lo-95"] < 0).any()  # not clipped at zero for a series that goes negative


def test_horizon_longer_than_history_or_two_years_is_refused() -> None:
    with pytest.raises(UserInputError, match="longer than the 30 days of history") as exc:
        forecast(frame(np.arange(30.0)), 31)
    assert "Ask for at most 30 days" in str(exc.value)
    with pytest.raises(UserInputError, match="longer than 2 years") as exc:
        forecast(frame(np.arange(1000.0)), 800)
    assert "at most 730 days" in str(exc.value)
    with pytest.raises(UserInputError, match="longer than 2 years"):
        forecast(frame(np.arange(200.0), freq="W-MON"), 105)
    with pytest.raises(UserInputError, match="positive whole number"):
        forecast(frame(np.arange(30.0)), 0)


def test_bad_interval_levels_are_refused() -> None:
    with pytest.raises(UserInputError, match="between 0 and 100"):
        forecast(frame(np.arange(30.0)), 3, level=(80, 120))


def test_unknown_model_gets_the_closest_names() -> None:
    with pytest.raises(UserInputError, match="Unknown model 'arimma'") as exc:
        forecast(frame(np.arange(30.0)), 3, model="arimma")
    assert "'arima'" in str(exc.value)


def test_multi_series_frame_reports_the_bad_series_and_forecasts_the_rest() -> None:
    good = frame(np.arange(100.0)).assign(unique_id="good")
    short = frame(np.arange(5.0)).assign(unique_id="short")
    res = forecast(pd.concat([good, short]), 7, model="naive")
    assert [s.uid for s in res.series] == ["good"]
    assert "longer than the 5 days" in res.errors["short"]


def test_frequency_inference_and_refusal_to_invent_finer_grains() -> None:
    assert infer_freq(pd.date_range("2025-01-06", periods=10, freq="7D")) == "W"
    assert infer_freq(pd.date_range("2025-01-01", periods=10, freq="MS")) == "M"
    with pytest.raises(UserInputError, match="not a daily, weekly"):
        infer_freq(pd.date_range("2025-01-01", periods=10, freq="3D"))
    weekly = frame(np.ones(20), freq="7D")
    with pytest.raises(UserInputError, match="cannot invent finer"):
        prepare_series("w", weekly["ds"], weekly["y"], freq="D")
    daily = frame(np.ones(28))
    s = prepare_series("d", daily["ds"], daily["y"], freq="W")
    # 2025-01-01 is a Wednesday: Monday-start weeks, the partial first and last weeks are left out and stated
    assert s.freq == "W" and s.y.tolist() == [7.0, 7.0, 7.0]
    assert s.ds[0] == pd.Timestamp("2025-01-06") and any("Partial week" in n for n in s.notes)


def test_dates_in_iso_dayfirst_monthfirst_and_ambiguous_forms() -> None:
    iso = parse_dates(pd.Series(["2025-03-01", "2025-03-02"]))
    assert iso.iloc[1] == pd.Timestamp("2025-03-02")
    dmy = parse_dates(pd.Series(["25/12/2024", "26/12/2024"]))  # only day-first makes sense
    assert dmy.iloc[0] == pd.Timestamp("2024-12-25")
    mdy = parse_dates(pd.Series(["12/25/2024", "12/26/2024"]))
    assert mdy.iloc[1] == pd.Timestamp("2024-12-26")
    amb = pd.Series(["03/04/2025", "04/04/2025"])
    with pytest.raises(UserInputError, match="ambiguous") as exc:
        parse_dates(amb)
    assert "--dayfirst" in str(exc.value)
    assert parse_dates(amb, dayfirst=True).iloc[0] == pd.Timestamp("2025-04-03")
    assert parse_dates(amb, dayfirst=False).iloc[0] == pd.Timestamp("2025-03-04")
    with pytest.raises(UserInputError, match="cannot be month-first"):
        parse_dates(pd.Series(["25/12/2024"]), dayfirst=False)
    with pytest.raises(UserInputError, match="as a date"):
        parse_dates(pd.Series(["soon", "later"]))


def test_numbers_with_currency_and_separators() -> None:
    vals, bad = parse_numbers(pd.Series(["$1,234.50", "€ 99", "(12)", "", "n/a"]))
    assert vals.tolist()[:3] == [1234.5, 99.0, -12.0] and np.isnan(vals.iloc[3]) and bad == 1


def test_csv_reader_names_the_closest_columns(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("day,revenue\n2025-01-01,10\n")
    with pytest.raises(UserInputError, match="no column 'revenu'") as exc:
        read_csv_series(path, date_col="day", value_col="revenu")
    assert "'revenue'" in str(exc.value)
    with pytest.raises(UserInputError, match="No file"):
        read_csv_series(tmp_path / "missing.csv", date_col="day", value_col="revenue")


@pytest.fixture()
def cli() -> typer.Typer:
    from shoplens.agent.cli import cmd_forecast

    app = typer.Typer()
    cmd_forecast.register(app)
    app.command("version")(lambda: None)  # a second command keeps `forecast` as a named subcommand
    return app


def test_csv_command_end_to_end_json(tmp_path, cli) -> None:
    df = generate_series(2, n=150, seed=1)
    df["ds"] = df["ds"].dt.strftime("%d/%m/%Y")  # day-first, unambiguous (days past 12)
    path = tmp_path / "sales.csv"
    df.rename(columns={"unique_id": "store", "ds": "date", "y": "sales"}).to_csv(path, index=False)
    result = CliRunner().invoke(cli, ["forecast", "--csv", str(path), "--id-col", "store", "--date-col", "date",
                                      "--value-col", "sales", "--horizon", "7", "--lstm", "off", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["unique_id"] for s in data["series"]] == ["s0", "s1"]
    for s in data["series"]:
        assert len(s["forecast"]) == 7 and set(s["forecast"][0]) == {"ds", "mean", "lo-80", "hi-80", "lo-95", "hi-95"}
        assert s["model"] in ("naive", "ets", "arima", "ensemble")
        assert {row["model"] for row in s["leaderboard"]} >= {"naive", "ets", "arima"}
        assert all("mase" in row for row in s["leaderboard"])
        assert isinstance(s["warnings"], list)
    assert data["series"][0]["forecast"][0]["ds"] == "2023-05-31"


def test_csv_command_errors_are_messages_not_tracebacks(tmp_path, cli) -> None:
    path = tmp_path / "amb.csv"
    path.write_text("date,sales\n" + "".join(f"0{m}/0{d}/2025,{d}\n" for m in range(1, 4) for d in range(1, 9)))
    r = CliRunner().invoke(cli, ["forecast", "--csv", str(path), "--date-col", "date", "--value-col", "sales",
                                 "--horizon", "3", "--json"])
    assert r.exit_code == 2
    assert "ambiguous" in json.loads(r.stdout)["error"]
    r = CliRunner().invoke(cli, ["forecast", "--csv", str(path), "--date-col", "date", "--value-col", "sales",
                                 "--horizon", "3", "--monthfirst", "--model", "naive"])
    assert r.exit_code == 0, r.output
    assert "Forecast of" in r.stdout
    r = CliRunner().invoke(cli, ["forecast", "--horizon", "3"])
    assert r.exit_code == 2 and "Say what to forecast" in r.output
