"""Tests for villageroute.elevation: reading DEMs, filling voids, bilinear sampling."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyproj
import pytest
from affine import Affine

from villageroute.elevation import DEM, fill_voids, read_dem
from villageroute.errors import InputError

SHARED = Path(__file__).resolve().parents[2] / "shared"
ANDORRA_TILE = SHARED / "data" / "roadnets" / "andorra" / "N42E001.hgt.zip"

SRTM3 = 1201
STEP = 1.0 / (SRTM3 - 1)


def plane_from_index(row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """A plane in raster index space: bilinear interpolation reproduces it exactly.

    Integer coefficients keep every cell value an exact int16 (max 100 + 12000 + 8400).
    """
    return 100.0 + 10.0 * row + 7.0 * col


def srtm_plane_at(lon: np.ndarray, lat: np.ndarray, lat0: int, lon0: int) -> np.ndarray:
    return plane_from_index((lat0 + 1 - np.asarray(lat)) / STEP, (np.asarray(lon) - lon0) / STEP)


def north_up_transform(left: float, top: float, xsize: float, ysize: float) -> Affine:
    """Corner-based affine of a north-up raster (rasterio's from_origin, without warnings)."""
    return Affine(xsize, 0.0, left, 0.0, -ysize, top)


def write_hgt(path: Path, heights: np.ndarray) -> Path:
    path.write_bytes(heights.astype(">i2").tobytes())
    return path


def write_geotiff(
    path: Path, heights: np.ndarray, transform: Affine, crs: str | None, nodata: float | None
) -> Path:
    import rasterio

    profile = {
        "driver": "GTiff",
        "height": heights.shape[0],
        "width": heights.shape[1],
        "count": 1,
        "dtype": heights.dtype.name,
        "transform": transform,
        "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(heights, 1)
    return path


@pytest.fixture(scope="module")
def plane_heights() -> np.ndarray:
    rows, cols = np.mgrid[0:SRTM3, 0:SRTM3]
    return plane_from_index(rows, cols).astype(np.int16)


@pytest.fixture(scope="module")
def plane_hgt(tmp_path_factory: pytest.TempPathFactory, plane_heights: np.ndarray) -> Path:
    return write_hgt(tmp_path_factory.mktemp("srtm") / "N10E020.hgt", plane_heights)


@pytest.fixture(scope="module")
def plane_dem(plane_hgt: Path) -> DEM:
    return read_dem(plane_hgt)


@pytest.fixture(scope="module")
def andorra_dem() -> DEM:
    if not ANDORRA_TILE.exists():
        pytest.skip(f"shared Andorra SRTM tile not found at {ANDORRA_TILE}")
    return read_dem(ANDORRA_TILE)


# Points inside tile N10E020: tile corners, grid points and off-grid points.
SAMPLE_LON = np.array([20.0, 21.0, 20.5, 20.123456, 20.999, 20.00041667])
SAMPLE_LAT = np.array([11.0, 10.0, 10.5, 10.654321, 10.001, 10.9999])


# --- SRTM -----------------------------------------------------------------------------


def test_srtm_geometry_from_name_and_size(plane_dem: DEM) -> None:
    assert plane_dem.heights.shape == (SRTM3, SRTM3)
    assert plane_dem.heights.dtype == np.float32
    assert plane_dem.crs == "EPSG:4326"
    x0, y0, dx, dy = plane_dem.transform
    assert (x0, y0) == (20.0, 11.0)
    assert dx == pytest.approx(STEP) and dy == pytest.approx(-STEP)


def test_srtm_bilinear_sample_reproduces_plane(plane_dem: DEM) -> None:
    got = plane_dem.sample(SAMPLE_LON, SAMPLE_LAT)
    want = srtm_plane_at(SAMPLE_LON, SAMPLE_LAT, lat0=10, lon0=20)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_srtm_corner_values(plane_dem: DEM) -> None:
    # North-west corner is row 0 / col 0, south-east is the last row and column.
    got = plane_dem.sample(np.array([20.0, 21.0]), np.array([11.0, 10.0]))
    np.testing.assert_allclose(got, [100.0, 100.0 + 10 * 1200 + 7 * 1200], atol=1e-6)


def test_srtm_sample_broadcasts_scalars(plane_dem: DEM) -> None:
    got = plane_dem.sample(np.float64(20.5), np.array([10.25, 10.75]))
    assert got.shape == (2,)
    np.testing.assert_allclose(got, srtm_plane_at(20.5, [10.25, 10.75], 10, 20), atol=1e-6)


def test_srtm_zip_reads_like_hgt(tmp_path: Path, plane_hgt: Path, plane_dem: DEM) -> None:
    archive = tmp_path / "N10E020.SRTMGL3.hgt.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(plane_hgt, arcname="N10E020.hgt")
    dem = read_dem(archive)
    assert dem.transform == plane_dem.transform
    np.testing.assert_array_equal(dem.heights, plane_dem.heights)
    assert dem.source == str(archive)


def test_srtm_south_west_tile_origin(tmp_path: Path, plane_heights: np.ndarray) -> None:
    dem = read_dem(write_hgt(tmp_path / "S13W072.hgt", plane_heights))
    assert dem.transform[:2] == (-72.0, -12.0)
    lon, lat = np.array([-71.3]), np.array([-12.6])
    np.testing.assert_allclose(dem.sample(lon, lat), srtm_plane_at(lon, lat, -13, -72), atol=1e-6)


def test_half_cell_margin_is_clamped_to_edge(plane_dem: DEM) -> None:
    quarter = STEP / 4
    lon = np.array([20.0 - quarter, 21.0 + quarter])
    lat = np.array([11.0 + quarter, 10.0 - quarter])
    assert plane_dem.covers(lon, lat).all()
    np.testing.assert_allclose(plane_dem.sample(lon, lat), [100.0, 20500.0], atol=1e-6)


def test_covers_mask(plane_dem: DEM) -> None:
    beyond = 0.6 * STEP  # just past the half-cell margin on each side
    lon = np.array([20.5, 19.9, 20.5, np.nan, 20.0 - beyond, 21.0 + beyond, 20.5, 20.5])
    lat = np.array([10.5, 10.5, 11.2, 10.5, 10.5, 10.5, 11.0 + beyond, 10.0 - beyond])
    want = [True] + [False] * 7
    np.testing.assert_array_equal(plane_dem.covers(lon, lat), want)


# --- voids ----------------------------------------------------------------------------


def brute_force_nearest_values(heights: np.ndarray, void: np.ndarray, r: int, c: int) -> set:
    """Values of all valid cells at the minimum Euclidean distance from cell (r, c)."""
    vr, vc = np.nonzero(~void)
    d2 = (vr - r) ** 2 + (vc - c) ** 2
    nearest = d2 == d2.min()
    return set(heights[vr[nearest], vc[nearest]].tolist())


def test_fill_voids_takes_nearest_valid_value() -> None:
    rng = np.random.default_rng(7)
    heights = rng.integers(0, 1000, size=(12, 15)).astype(np.float32)
    void = rng.random((12, 15)) < 0.4
    void[3:9, 4:12] = True  # a large void block, far from some valid cells
    heights[void] = np.nan
    filled = fill_voids(heights, void)
    assert filled.dtype == np.float32
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~void], heights[~void])
    for r, c in zip(*np.nonzero(void), strict=True):
        assert filled[r, c] in brute_force_nearest_values(heights, void, r, c), (r, c)


def test_fill_voids_does_not_modify_input() -> None:
    heights = np.array([[1.0, np.nan], [3.0, 4.0]], dtype=np.float32)
    void = np.isnan(heights)
    fill_voids(heights, void)
    assert np.isnan(heights[0, 1])


def test_fill_voids_rejects_all_void() -> None:
    with pytest.raises(ValueError, match="void"):
        fill_voids(np.zeros((3, 3)), np.ones((3, 3), dtype=bool))


def test_srtm_voids_filled_from_nearest_neighbour(
    tmp_path: Path, plane_heights: np.ndarray
) -> None:
    heights = plane_heights.copy()
    heights[500:505, 600:603] = -32768
    heights[0, 0] = -32768
    dem = read_dem(write_hgt(tmp_path / "N10E020.hgt", heights))
    assert np.isfinite(dem.heights).all()
    assert not (dem.heights == -32768).any()
    valid = heights != -32768
    # Valid cells are untouched and each void holds one of its nearest valid values; a
    # window around the block is enough to find them.
    np.testing.assert_array_equal(dem.heights[valid], plane_heights[valid])
    window = np.s_[495:510, 595:608]
    sub_h, sub_void = heights[window].astype(np.float64), ~valid[window]
    for r, c in zip(*np.nonzero(sub_void), strict=True):
        want = brute_force_nearest_values(sub_h, sub_void, r, c)
        assert dem.heights[window][r, c] in want
    # The corner's nearest valid cells are its two edge neighbours.
    assert dem.heights[0, 0] in {plane_heights[0, 1], plane_heights[1, 0]}


def test_all_void_srtm_is_input_error(tmp_path: Path) -> None:
    path = write_hgt(tmp_path / "N10E020.hgt", np.full((SRTM3, SRTM3), -32768, np.int16))
    with pytest.raises(InputError, match="void") as info:
        read_dem(path)
    assert info.value.file == str(path)


# --- GeoTIFF --------------------------------------------------------------------------


def test_geotiff_wgs84_samples_and_fills_nodata(tmp_path: Path) -> None:
    rows, cols = np.mgrid[0:40, 0:50]
    heights = plane_from_index(rows, cols).astype(np.int16)
    heights[10, 20] = -9999
    # Upper-left corner at (5.0, 45.0), cells 0.01 degrees: centre of [0, 0] is (5.005, 44.995).
    path = write_geotiff(
        tmp_path / "dem.tif", heights, north_up_transform(5.0, 45.0, 0.01, 0.01), "EPSG:4326", -9999
    )
    dem = read_dem(path)
    assert dem.crs == "EPSG:4326"
    np.testing.assert_allclose(dem.transform, (5.005, 44.995, 0.01, -0.01))
    neighbours = [(9, 20), (11, 20), (10, 19), (10, 21)]
    assert dem.heights[10, 20] in {plane_from_index(r, c) for r, c in neighbours}
    lon = np.array([5.005, 5.2, 5.3333, 5.49])
    lat = np.array([44.995, 44.8, 44.7777, 44.61])
    want = plane_from_index((44.995 - lat) / 0.01, (lon - 5.005) / 0.01)
    np.testing.assert_allclose(dem.sample(lon, lat), want, atol=1e-6)


def test_geotiff_projected_crs_samples_via_pyproj(tmp_path: Path) -> None:
    rows, cols = np.mgrid[0:30, 0:40]
    heights = plane_from_index(rows, cols).astype(np.float32)
    heights[5:8, 5:8] = np.nan  # unflagged NaN voids
    left, top, size = 370_000.0, 4_720_000.0, 100.0
    path = write_geotiff(
        tmp_path / "utm.tiff",
        heights,
        north_up_transform(left, top, size, size),
        "EPSG:32631",
        None,
    )
    dem = read_dem(path)
    assert dem.crs == "EPSG:32631"
    assert np.isfinite(dem.heights).all()

    x = np.array([left + 1234.0, left + 3000.0, left + 55.0])
    y = np.array([top - 2222.0, top - 100.0, top - 2945.0])
    lon, lat = pyproj.Transformer.from_crs("EPSG:32631", "EPSG:4326", always_xy=True).transform(
        x, y
    )
    want = plane_from_index((top - size / 2 - y) / size, (x - left - size / 2) / size)
    np.testing.assert_allclose(dem.sample(lon, lat), want, atol=1e-5)
    assert "EPSG:32631" in str(_outside_error(dem, lon + 1.0, lat))


def test_geotiff_south_up_is_flipped(tmp_path: Path) -> None:
    rows, cols = np.mgrid[0:20, 0:30]
    north_up = plane_from_index(rows, cols).astype(np.float32)
    # Stored south-up: row 0 is the southern edge and y grows with the row.
    south_up = north_up[::-1].copy()
    transform = Affine(0.01, 0.0, 5.0, 0.0, 0.01, 44.8)
    dem = read_dem(write_geotiff(tmp_path / "s.tif", south_up, transform, "EPSG:4326", None))
    np.testing.assert_array_equal(dem.heights, north_up)
    np.testing.assert_allclose(dem.transform, (5.005, 44.995, 0.01, -0.01))


def test_geotiff_without_crs_is_input_error(tmp_path: Path) -> None:
    heights = np.zeros((4, 4), dtype=np.float32)
    path = write_geotiff(
        tmp_path / "nocrs.tif", heights, north_up_transform(0, 4, 1, 1), None, None
    )
    with pytest.raises(InputError, match="CRS") as info:
        read_dem(path)
    assert "nocrs.tif" in str(info.value)


# --- bad input ------------------------------------------------------------------------


def _outside_error(dem: DEM, lon: np.ndarray, lat: np.ndarray) -> InputError:
    with pytest.raises(InputError) as info:
        dem.sample(lon, lat)
    return info.value


def test_points_outside_raster_are_input_error(plane_dem: DEM, plane_hgt: Path) -> None:
    lon = np.array([20.5, 19.5, 22.25, 20.5])
    lat = np.array([10.5, 10.5, 10.75, np.nan])
    error = _outside_error(plane_dem, lon, lat)
    message = str(error)
    assert error.file == str(plane_hgt)
    assert "N10E020.hgt" in message
    assert "3 of 4 points" in message
    assert "lon 19.50000..22.25000" in message
    assert "lat 10.50000..10.75000" in message
    assert "non-finite" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("N10E020.hgt", b"\x00\x01" * 1000, id="hgt-wrong-size"),
        pytest.param("N10E020.hgt", b"", id="hgt-empty"),
        pytest.param("garbage.tif", b"this is not a tiff" * 10, id="tif-garbage"),
        pytest.param("N10E020.hgt.zip", b"PK\x03\x04 not really a zip", id="zip-corrupt"),
        pytest.param("elevation.asc", b"ncols 2\n", id="unknown-suffix"),
    ],
)
def test_garbage_files_are_input_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_dem(path)
    assert info.value.file == str(path)
    assert name in str(info.value)


def test_hgt_with_unparseable_name_is_input_error(tmp_path: Path, plane_hgt: Path) -> None:
    path = tmp_path / "tile.hgt"
    path.write_bytes(plane_hgt.read_bytes())
    with pytest.raises(InputError, match="N42E001"):
        read_dem(path)


def test_zip_without_hgt_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "N10E020.hgt.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no tile here")
    with pytest.raises(InputError, match=r"exactly one \.hgt") as info:
        read_dem(path)
    assert info.value.file == str(path)


def test_zip_with_wrong_size_hgt_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "N10E020.hgt.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("N10E020.hgt", b"\x00" * 12)
    with pytest.raises(InputError, match="12 bytes"):
        read_dem(path)


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "N10E020.hgt"
    with pytest.raises(InputError) as info:
        read_dem(path)
    assert info.value.file == str(path)


# --- real data: Andorra ---------------------------------------------------------------


def test_andorra_tile_reads_without_voids(andorra_dem: DEM) -> None:
    assert andorra_dem.heights.shape == (SRTM3, SRTM3)
    assert np.isfinite(andorra_dem.heights).all()
    assert not (andorra_dem.heights == -32768).any()
    assert andorra_dem.transform[:2] == (1.0, 43.0)


def test_andorra_known_elevations(andorra_dem: DEM) -> None:
    andorra_la_vella, coma_pedrosa = andorra_dem.sample(
        np.array([1.5212, 1.4437]), np.array([42.5069, 42.5917])
    )
    assert 950 <= andorra_la_vella <= 1150
    assert coma_pedrosa > 2600


def test_andorra_values_plausible(andorra_dem: DEM) -> None:
    # Every cell in Andorra's bounding box, including the ~300 that were SRTM voids.
    rows = slice(round((43 - 42.66) / STEP), round((43 - 42.43) / STEP) + 1)
    cols = slice(round((1.41 - 1) / STEP), round((1.79 - 1) / STEP) + 1)
    block = andorra_dem.heights[rows, cols]
    assert block.shape == (277, 457)
    assert block.min() >= 500
    assert block.max() <= 3200
    sampled = andorra_dem.sample(*np.meshgrid(np.linspace(1.41, 1.79, 60), [42.43, 42.66]))
    assert sampled.shape == (2, 60)
    assert ((sampled >= 500) & (sampled <= 3200)).all()
