"""The alert engine on synthetic panels: no look-ahead, each detector fires on its event and stays quiet on a
normal day, incidents group findings, monitors.yaml validates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from alerts_fixtures import make_panel

from shoplens.data.errors import UserInputError
from shoplens.tools.alerts.baseline import expected_at
from shoplens.tools.alerts.findings import Finding
from shoplens.tools.alerts.incidents import IncidentBook
from shoplens.tools.alerts.monitors import MonitorsFile, load_monitors, parse_monitor, save_monitors
from shoplens.tools.alerts.watch import DefaultWatch


def test_the_baseline_never_reads_the_day_it_judges_or_later() -> None:
    rng = np.random.default_rng(1)
    y = rng.poisson(50, (4, 400)).astype(float)
    weekday, usable, ref = np.arange(400) % 7, np.ones((4, 400), bool), np.arange(4)
    before = expected_at(y, weekday, usable, 380, ref)
    y[:, 380:] = 1e6  # garbage on and after the day judged
    after = expected_at(y, weekday, usable, 380, ref)
    assert np.allclose(before.mean, after.mean) and np.allclose(before.sd, after.sd)
    assert np.all(np.abs(before.mean - 50) < 6)


def test_a_channel_outage_is_flagged_that_day_and_a_normal_day_is_not() -> None:
    panel = make_panel()
    panel.groups["channel"][1][1, 150] *= 0.2  # web orders fall to a fifth
    watch = DefaultWatch(panel)
    assert not [f for f in watch.scan(149) if f.kind == "forecast"]
    hits = [f for f in watch.scan(150) if f.kind == "forecast"]
    assert any(f.filters == {"channel": "web"} and f.direction == -1 for f in hits)
    assert all(f.impact > 0 and f.lo95 is not None for f in hits)


def test_scanning_the_full_panel_equals_scanning_the_panel_cut_at_that_day() -> None:
    panel = make_panel(seed=3)
    panel.lines[0, 160:] *= 3
    day = panel.days[165].date()
    full = [(f.kind, f.title) for f in DefaultWatch(panel).scan(165)]
    cut = [(f.kind, f.title) for f in DefaultWatch(panel.upto(day)).scan(165)]
    assert full == cut and full


def test_a_stock_out_is_found_from_views_without_carts() -> None:
    panel = make_panel(seed=4)
    for arr in (panel.lines, panel.units, panel.revenue):
        arr[1, 170:173] = 0
    panel.carts[1, 170:173] = 0
    watch = DefaultWatch(panel)
    assert not [f for f in watch.scan(169) if f.kind == "stockout"]
    found = [f for f in watch.scan(171) if f.kind == "stockout"]
    assert [f.filters["product"] for f in found] == ["Product 1"]
    assert found[0].evidence["days_without_sales"] == 2


def test_a_return_spike_is_found_with_the_returns_in_evidence() -> None:
    panel = make_panel(seed=5)
    panel.returned[2, 174:181] = np.round(panel.lines[2, 174:181] * 0.3)
    found = [f for f in DefaultWatch(panel).scan(180) if f.kind == "return_rate"]
    assert [f.filters["product"] for f in found] == ["Product 2"]
    assert found[0].evidence["returns"] > found[0].evidence["order_lines"] * 0.2


def _finding(day: dt.date, product: str, kind: str = "return_rate", impact: float = 10.0) -> Finding:
    return Finding(date=day, kind=kind, metric="m", filters={"product": product}, title=f"{product} {kind}",
                   direction=1, actual=1.0, expected=0.0, impact=impact)


def test_incidents_group_a_products_findings_and_reopen_after_a_quiet_gap() -> None:
    book, d = IncidentBook(gap_days=7), dt.date(2025, 9, 1)
    opened, _ = book.add(d, [_finding(d, "A"), _finding(d, "A", "sentiment", 50.0), _finding(d, "B")])
    assert len(opened) == 2
    inc = next(i for i in opened if i.key == "A")
    assert inc.headline.kind == "sentiment" and inc.alert()["evidence"] == ["return_rate", "sentiment"]
    opened, updated = book.add(d + dt.timedelta(days=3), [_finding(d, "A")])
    assert not opened and updated == [inc] and inc.updates == 1
    opened, _ = book.add(d + dt.timedelta(days=20), [_finding(d, "A")])
    assert len(opened) == 1 and opened[0].id != inc.id


def test_monitors_validate_and_round_trip(tmp_path: Path) -> None:
    m = parse_monitor({"name": "aurora returns", "metric": "return_rate", "filters": {"product": "Aurora X2"},
                       "condition": {"type": "threshold", "value": 0.08}, "channels": ["slack:#sales", "ui"]})
    path = tmp_path / "monitors.yaml"
    save_monitors(path, MonitorsFile(monitors=[m]))
    assert load_monitors(path).monitor("aurora returns") == m
    assert not list(tmp_path.glob(".*tmp"))
    with pytest.raises(UserInputError, match="unknown channel"):
        parse_monitor({"name": "x", "condition": {"type": "threshold", "value": 1}, "channels": ["fax:123"]})
    with pytest.raises(UserInputError, match="condition"):
        parse_monitor({"name": "x", "condition": {"type": "horoscope"}})
    with pytest.raises(UserInputError, match="cron"):
        parse_monitor({"name": "x", "condition": {"type": "stockout"}, "schedule": "daily"})
    path.write_text("monitors: [{name: x}]\n")
    with pytest.raises(UserInputError, match="monitors.yaml"):
        load_monitors(path)


def test_a_shop_wide_finding_names_its_largest_contributors() -> None:
    panel = make_panel(products=6)
    panel.products["category"] = ["Cat A", "Cat A", "Cat B", "Cat B", "Cat C", "Cat C"]
    panel.groups["channel"][1][:, 150] *= 0.3
    panel.lines[:2, 150] *= 0.2  # Cat A carries the fall
    shop = [f for f in DefaultWatch(panel).scan(150) if f.kind == "forecast" and f.filters == {}]
    assert shop and list(shop[0].evidence["contributors"])[0] == "Cat A"
    assert "Largest contributors" in shop[0].why[1]
