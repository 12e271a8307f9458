"""The command line end to end on a small county: outputs, JSON, bad input."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import villageroute as vr
from tests.helpers import ANDORRA, needs_andorra
from tests.test_county import valley_county
from villageroute.cli import main
from villageroute.plans import without_stations


@pytest.fixture
def county_file(tmp_path: Path) -> Path:
    data = valley_county()
    for feature in data["features"]:
        if feature["properties"].get("kind") == "station":
            feature["properties"]["up_parcels"] = 2
    path = tmp_path / "valley.geojson"
    path.write_text(json.dumps(data))
    return path


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_counties" / "binchuan-small.geojson"


def test_plan_writes_consistent_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["plan", str(SAMPLE), "--time-limit", "3", "--out", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    for key in (
        "per_parcel_cost",
        "total_cost",
        "distance_km",
        "duration_h",
        "vehicles_used",
        "parcels_down",
        "parcels_up",
        "parcels_unserved",
        "feasible",
        "solver",
        "stations",
        "runtime_s",
        "baseline",
        "saving_pct",
    ):
        assert key in report
    assert set(report["baseline"]) >= {"solver", "per_parcel_cost", "total_cost", "distance_km"}
    assert report["feasible"] and report["saving_pct"] > 0
    assert report["same_stations"] == {
        "stations": report["stations"],
        "saving_pct": pytest.approx(report["saving_pct"]),
        "served_only_by_plan": [],
        "served_only_by_baseline": [],
    }
    # The whole command keeps to its time limit.
    assert report["runtime_s"] <= 3.0 + 0.5

    saved = json.loads((out / "plan.json").read_text())
    assert saved["total_cost"] == pytest.approx(report["total_cost"])
    assert sum(r["cost"] for r in saved["routes"]) == pytest.approx(report["total_cost"])

    # The manifests add up to the plan.
    rows = [
        row for path in (out / "manifests").glob("*.csv") for row in csv.DictReader(path.open())
    ]
    assert len(list((out / "manifests").glob("*.csv"))) == report["vehicles_used"]
    assert sum(int(r["drop_parcels"]) for r in rows) == report["parcels_down"]
    assert sum(int(r["collect_parcels"]) for r in rows) == report["parcels_up"]

    # The map opens offline: one self-contained page, nothing fetched from the web.
    page = (out / "map.html").read_text()
    assert "<svg" in page and page.count("data-vehicle=") >= report["vehicles_used"]
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", page)

    geo = json.loads((out / "plan.geojson").read_text())
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == report["vehicles_used"]
    assert len(points) == len(rows)
    # Routes follow the winding roads, not straight lines between stops.
    assert all(len(f["geometry"]["coordinates"]) > 2 * len(rows) // len(lines) for f in lines)


def test_readable_summary_compares_with_naive(
    county_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(county_file), "--time-limit", "1"]) == 0
    captured = capsys.readouterr()
    assert "naive" in captured.out and "saving per parcel" in captured.out
    assert "unreachable cutoff" in captured.out
    assert "computing the" in captured.err  # progress goes to stderr


def test_workers_reach_the_solver(
    county_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[int | None] = []
    real_plan = vr.plan

    def spy(problem: vr.Problem, solver: str = "best", **kwargs: Any) -> vr.Plan:
        if solver != "naive":
            seen.append(kwargs.get("workers"))
        return real_plan(problem, solver, **kwargs)

    monkeypatch.setattr(vr, "plan", spy)
    assert main(["plan", str(county_file), "--time-limit", "1", "--workers", "1", "--json"]) == 0
    assert seen == [1]
    assert json.loads(capsys.readouterr().out)["engine"].startswith("best/")


def test_stations_one_plan_leaves_out_get_a_like_for_like_saving(
    county_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_plan = vr.plan

    def naive_leaves_the_first_out(
        problem: vr.Problem, solver: str = "best", **kwargs: Any
    ) -> vr.Plan:
        made = real_plan(problem, solver, **kwargs)
        return without_stations(made, {1}, "left out") if solver == "naive" else made

    monkeypatch.setattr(vr, "plan", naive_leaves_the_first_out)
    assert main(["plan", str(county_file), "--time-limit", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    same = report["same_stations"]
    assert same["stations"] == report["stations"] - 1
    assert same["served_only_by_plan"] and not same["served_only_by_baseline"]
    assert same["saving_pct"] != pytest.approx(report["saving_pct"])

    assert main(["plan", str(county_file), "--time-limit", "1"]) == 0
    text = capsys.readouterr().out
    assert f"saving per parcel on the {same['stations']} stations both serve: " in text
    assert f"(only best serves {same['served_only_by_plan'][0]})" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "missing.geojson"], "missing.geojson: file not found"),
        (["plan", "--roads", "r.osm"], "give a county GeoJSON file, or both"),
        (["plan", "{county}", "--time-limit", "0"], "--time-limit must be positive"),
        (["plan", "{county}", "--workers", "0"], "--workers must be at least 1"),
        (["validate", "{broken}"], "broken.geojson"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    args: list[str],
    message: str,
    county_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    out = tmp_path / "out"
    argv = [a.format(county=county_file, broken=broken) for a in args]
    assert main([*argv, "--out", str(out)] if argv[0] == "plan" else argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("villageroute: error: ") and message in err[-1]
    assert "Traceback" not in "\n".join(err)
    assert not out.exists()


def test_validate_reports_without_solving(
    county_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(county_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stations"] == 5
    assert [u["station_id"] for u in report["unreachable"]] == ["cutoff"]
    assert report["far_snaps"] == ["far"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless Chromium installed")
def test_map_renders_in_headless_chromium(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["plan", str(SAMPLE), "--time-limit", "2", "--out", str(out), "--json"]) == 0
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (out / "map.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # After the page's script has run, the routes are still in the document.
    assert result.stdout.count("data-vehicle=") >= 1 and "</svg>" in result.stdout


def test_module_entry_point_has_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "villageroute", "plan", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "--time-limit" in result.stdout


@needs_andorra
def test_andorra_from_osm_roads_own_stations_and_srtm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stations = tmp_path / "andorra-stations.geojson"
    places = ANDORRA / "andorra_places.geojson"
    assert (
        main(["stations", str(places), "--depot", "Andorra la Vella", "--out", str(stations)]) == 0
    )
    capsys.readouterr()
    out = tmp_path / "out"
    code = main(
        [
            "plan",
            "--roads",
            str(ANDORRA / "andorra.osm.pbf"),
            "--stations",
            str(stations),
            "--dem",
            str(ANDORRA / "N42E001.hgt.zip"),
            "--time-limit",
            "3",
            "--json",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["feasible"] and report["saving_pct"] >= 30
    assert report["stations"] == 61 and len(report["unreachable"]) == 5
    assert (out / "plan.geojson").exists()


def test_stations_command_refuses_an_unknown_depot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    places = tmp_path / "places.geojson"
    places.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [100.5, 25.8]},
                        "properties": {"name": "A", "place": "village"},
                    }
                ],
            }
        )
    )
    out = tmp_path / "stations.geojson"
    assert main(["stations", str(places), "--depot", "Nowhere", "--out", str(out)]) == 2
    assert "no place named 'Nowhere'" in capsys.readouterr().err
    assert not out.exists()
