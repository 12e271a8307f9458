"""Elevation rasters (DEMs) and sampling road-vertex heights from them.

Travel times depend on road gradient, so every road vertex needs an elevation. When the
road source carries no z coordinates, heights are sampled from a DEM read by
:func:`read_dem`: an SRTM tile (``.hgt`` or ``.hgt.zip``) or a GeoTIFF.

SRTM tiles and many GeoTIFFs contain void cells (radar shadow on steep slopes, water).
Voids are filled when the raster is read (see :func:`fill_voids`), so a :class:`DEM`
never holds NaN and :meth:`DEM.sample` never returns it.
"""

from __future__ import annotations

import functools
import math
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
from scipy import ndimage

from villageroute.errors import InputError

WGS84 = "EPSG:4326"

# SRTM void marker, as written by NASA/USGS in every .hgt tile.
SRTM_VOID = -32768
# Tile side (samples) by file size: SRTM3 (3 arc-second) and SRTM1 (1 arc-second).
_SRTM_SIDE_BY_BYTES = {1201 * 1201 * 2: 1201, 3601 * 3601 * 2: 3601}
_SRTM_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})", re.IGNORECASE)
_GEOTIFF_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True, eq=False)
class DEM:
    """Elevation raster in geographic or projected coordinates with voids already filled.

    Attributes
    ----------
    heights
        Elevations in metres, float32, shape ``(rows, cols)``; row 0 is the north edge.
        Contains no NaN: voids were filled when the raster was read.
    transform
        ``(x0, y0, dx, dy)``: the centre of cell ``[0, 0]`` is ``(x0, y0)`` in ``crs``
        units; x grows with the column index by ``dx > 0``, y with the row index by
        ``dy < 0``. Cell centres, not corners, so SRTM tiles (whose samples sit on the
        whole-degree lines) need no half-cell shift.
    crs
        Coordinate reference system of ``transform``, e.g. ``"EPSG:4326"``; any string
        pyproj understands.
    source
        The file the raster was read from, named in error messages.
    """

    heights: np.ndarray
    transform: tuple[float, float, float, float]
    crs: str
    source: str

    def __post_init__(self) -> None:
        if self.heights.ndim != 2 or 0 in self.heights.shape:
            raise ValueError(f"DEM heights must be a non-empty 2-D array, got {self.heights.shape}")
        _, _, dx, dy = self.transform
        if not (dx > 0 and dy < 0):
            raise ValueError(f"DEM transform needs dx > 0 and dy < 0, got dx={dx}, dy={dy}")

    @property
    def shape(self) -> tuple[int, int]:
        """Raster shape ``(rows, cols)``."""
        rows, cols = self.heights.shape
        return rows, cols

    def sample(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Bilinear elevation at WGS-84 points.

        Parameters
        ----------
        lon, lat
            Longitudes and latitudes in degrees; any broadcast-compatible shapes.

        Returns
        -------
        numpy.ndarray
            Elevations in metres, float64, of the broadcast shape of ``lon`` and ``lat``.

        Raises
        ------
        InputError
            If any point lies outside the raster: further than half a cell beyond the
            outermost cell centres, or with non-finite coordinates. The message names how
            many points are outside and their bounding box, so the user can tell a wrong
            tile from a few stray vertices.
        """
        lon_arr, lat_arr = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        col, row = self._fractional_index(lon_arr, lat_arr)
        inside = self._inside(col, row)
        if not inside.all():
            raise InputError(self._outside_message(lon_arr, lat_arr, ~inside), file=self.source)

        rows, cols = self.shape
        # Points in the half-cell margin are clamped to the edge cell centres, i.e. the edge
        # value is extended outwards rather than extrapolated.
        col = np.clip(col, 0.0, cols - 1)
        row = np.clip(row, 0.0, rows - 1)
        c0 = np.minimum(np.floor(col).astype(np.intp), max(cols - 2, 0))
        r0 = np.minimum(np.floor(row).astype(np.intp), max(rows - 2, 0))
        c1 = np.minimum(c0 + 1, cols - 1)
        r1 = np.minimum(r0 + 1, rows - 1)
        fc = col - c0
        fr = row - r0

        h = self.heights
        top = h[r0, c0] * (1.0 - fc) + h[r0, c1] * fc
        bottom = h[r1, c0] * (1.0 - fc) + h[r1, c1] * fc
        return top * (1.0 - fr) + bottom * fr

    def covers(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Which WGS-84 points :meth:`sample` accepts.

        Parameters
        ----------
        lon, lat
            Longitudes and latitudes in degrees; any broadcast-compatible shapes.

        Returns
        -------
        numpy.ndarray
            Boolean mask of the broadcast shape: ``True`` where the point lies within half
            a cell of the outermost cell centres.
        """
        lon_arr, lat_arr = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        return self._inside(*self._fractional_index(lon_arr, lat_arr))

    def _fractional_index(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return fractional ``(col, row)`` raster indices of WGS-84 points."""
        if self.crs.upper() == WGS84:
            x, y = lon, lat
        else:
            try:
                transformer = _transformer_from_wgs84(self.crs)
            except pyproj.exceptions.CRSError as exc:
                raise InputError(f"unusable CRS {self.crs!r}: {exc}", file=self.source) from None
            x, y = transformer.transform(lon, lat)
            x = np.asarray(x, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
        x0, y0, dx, dy = self.transform
        return (x - x0) / dx, (y - y0) / dy

    def _inside(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        rows, cols = self.shape
        # NaN compares False, so non-finite points (also failed reprojections, which pyproj
        # returns as inf) count as outside.
        return (col >= -0.5) & (col <= cols - 0.5) & (row >= -0.5) & (row <= rows - 0.5)

    def _outside_message(self, lon: np.ndarray, lat: np.ndarray, outside: np.ndarray) -> str:
        n_out = int(outside.sum())
        finite = outside & np.isfinite(lon) & np.isfinite(lat)
        parts = [f"{n_out} of {outside.size} points fall outside the elevation raster"]
        if finite.any():
            parts.append(
                f"their bounding box is lon {lon[finite].min():.5f}..{lon[finite].max():.5f}, "
                f"lat {lat[finite].min():.5f}..{lat[finite].max():.5f}"
            )
        if n_out > int(finite.sum()):
            parts.append(f"{n_out - int(finite.sum())} have non-finite coordinates")
        parts.append(f"the raster covers {self._extent_text()}")
        return "; ".join(parts)

    def _extent_text(self) -> str:
        rows, cols = self.shape
        x0, y0, dx, dy = self.transform
        xmin, xmax = x0 - 0.5 * dx, x0 + (cols - 0.5) * dx
        ymin, ymax = y0 + (rows - 0.5) * dy, y0 - 0.5 * dy
        if self.crs.upper() == WGS84:
            return f"lon {xmin:.5f}..{xmax:.5f}, lat {ymin:.5f}..{ymax:.5f}"
        return f"x {xmin:.1f}..{xmax:.1f}, y {ymin:.1f}..{ymax:.1f} in {self.crs}"


@functools.lru_cache(maxsize=16)
def _transformer_from_wgs84(crs: str) -> pyproj.Transformer:
    # Building a transformer costs milliseconds; sample() is called once per road batch.
    return pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)


def fill_voids(heights: np.ndarray, void: np.ndarray) -> np.ndarray:
    """Fill void cells with the value of the nearest valid cell.

    Each void cell takes the value of the valid cell at the smallest Euclidean distance in
    index space (ties broken by scipy). This uses one exact Euclidean distance transform,
    :func:`scipy.ndimage.distance_transform_edt` with ``return_indices=True``, so it runs in
    linear time and stays well-behaved on large void areas, where iterative or
    spline interpolation is slow or overshoots. The result is piecewise constant inside
    large voids; for road gradients that is preferable to invented relief.

    Parameters
    ----------
    heights
        Elevations, shape ``(rows, cols)``. Values at void cells are ignored.
    void
        Boolean mask of the same shape, ``True`` at void cells.

    Returns
    -------
    numpy.ndarray
        A new float32 array of the same shape with no void left.

    Raises
    ------
    ValueError
        If the shapes differ or every cell is void (nothing to fill from).
    """
    heights = np.asarray(heights)
    void = np.asarray(void, dtype=bool)
    if heights.shape != void.shape:
        raise ValueError(f"heights shape {heights.shape} differs from void shape {void.shape}")
    filled = heights.astype(np.float32, copy=True)
    if not void.any():
        return filled
    if void.all():
        raise ValueError("every cell is void; there is no valid value to fill from")
    # The transform measures distance from each nonzero (void) cell to the nearest zero
    # (valid) cell; the indices say which valid cell that is.
    nearest = ndimage.distance_transform_edt(void, return_distances=False, return_indices=True)
    filled[void] = filled[tuple(nearest)][void]
    return filled


def read_dem(path: str | os.PathLike[str]) -> DEM:
    """Read an elevation raster and fill its voids.

    Supported formats, by file name:

    * SRTM ``.hgt``: big-endian int16, 1201x1201 (SRTM3) or 3601x3601 (SRTM1), size taken
      from the byte count. The tile origin comes from the name (``N42E001`` covers lat
      42..43, lon 1..2; ``S``/``W`` are negative). Cell centres lie on the tile edges: row 0
      is latitude ``lat + 1``, column 0 is longitude ``lon``. Cells equal to -32768 are void.
    * SRTM ``.hgt.zip`` (or any ``.zip``) holding exactly one ``.hgt``, named as above.
    * GeoTIFF ``.tif``/``.tiff``, read with rasterio: band 1, its CRS (required) and its
      affine transform, converted from rasterio's corner convention to cell centres.
      Nodata / masked cells and NaN are void. Rasters stored south-up or east-to-west are
      flipped to the north-up layout of :class:`DEM`; rotated rasters are rejected.

    Voids are filled with :func:`fill_voids` (nearest valid cell).

    Parameters
    ----------
    path
        The raster file.

    Returns
    -------
    DEM
        The raster with voids filled.

    Raises
    ------
    InputError
        Naming the file, if it cannot be read, has an unrecognised name or size, is a
        corrupt zip or a zip without one ``.hgt``, is a GeoTIFF without a CRS, or holds no
        valid cell at all.
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".zip"):
        heights, void, transform, crs = _read_hgt_zip(path)
    elif name.endswith(".hgt"):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read elevation file: {exc.strerror or exc}", file=path
            ) from None
        heights, void, transform = _decode_hgt(data, path.name, path)
        crs = WGS84
    elif name.endswith(_GEOTIFF_SUFFIXES):
        heights, void, transform, crs = _read_geotiff(path)
    else:
        raise InputError(
            "unrecognised elevation file type; expected .hgt, .hgt.zip, .tif or .tiff",
            file=path,
        )
    if void.all():
        raise InputError("every cell of the elevation raster is void", file=path)
    return DEM(heights=fill_voids(heights, void), transform=transform, crs=crs, source=str(path))


def _srtm_origin(member_name: str, file: Path) -> tuple[int, int]:
    """Return ``(lat, lon)`` of the south-west corner from an SRTM tile name."""
    match = _SRTM_NAME.match(Path(member_name).name)
    if match is None:
        raise InputError(
            f"cannot tell the SRTM tile position from the name {member_name!r}; "
            "expected a name like N42E001.hgt",
            file=file,
        )
    ns, lat_text, ew, lon_text = match.groups()
    lat = int(lat_text) * (1 if ns.upper() == "N" else -1)
    lon = int(lon_text) * (1 if ew.upper() == "E" else -1)
    if not (-90 <= lat <= 89 and -180 <= lon <= 179):
        raise InputError(f"SRTM tile name {member_name!r} is outside the globe", file=file)
    return lat, lon


def _srtm_side(n_bytes: int, member_name: str, file: Path) -> int:
    side = _SRTM_SIDE_BY_BYTES.get(n_bytes)
    if side is None:
        raise InputError(
            f"{member_name!r} has {n_bytes} bytes; an SRTM tile has {1201 * 1201 * 2} "
            f"(SRTM3, 1201x1201) or {3601 * 3601 * 2} (SRTM1, 3601x3601)",
            file=file,
        )
    return side


def _decode_hgt(
    data: bytes, member_name: str, file: Path
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """Decode SRTM bytes into ``(heights, void, transform)``."""
    lat, lon = _srtm_origin(member_name, file)
    side = _srtm_side(len(data), member_name, file)
    raw = np.frombuffer(data, dtype=">i2").reshape(side, side)
    step = 1.0 / (side - 1)
    transform = (float(lon), float(lat + 1), step, -step)
    return raw.astype(np.float32), raw == SRTM_VOID, transform


def _read_hgt_zip(
    path: Path,
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float], str]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith(".hgt")
            ]
            if len(members) != 1:
                found = ", ".join(info.filename for info in members) or "none"
                raise InputError(
                    f"expected exactly one .hgt file in the zip archive, found {found}",
                    file=path,
                )
            member = members[0]
            # Check name and declared size before decompressing, so a wrong or hostile
            # archive is rejected without inflating it.
            _srtm_origin(member.filename, path)
            _srtm_side(member.file_size, member.filename, path)
            data = archive.read(member)
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputError(f"corrupt or unsupported zip archive: {exc}", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read elevation file: {exc.strerror or exc}", file=path) from None
    heights, void, transform = _decode_hgt(data, member.filename, path)
    return heights, void, transform, WGS84


def _read_geotiff(
    path: Path,
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float], str]:
    # Imported here: rasterio pulls in GDAL, which SRTM-only users never need.
    import rasterio
    import rasterio.errors

    try:
        with rasterio.open(path) as dataset:
            if dataset.crs is None:
                raise InputError("GeoTIFF has no coordinate reference system (CRS)", file=path)
            crs = dataset.crs.to_string()
            affine = dataset.transform
            band = dataset.read(1)
            valid_mask = dataset.read_masks(1)
    except InputError:
        raise
    except (rasterio.errors.RasterioError, OSError) as exc:
        raise InputError(f"cannot read GeoTIFF: {exc}", file=path) from None

    if affine.b != 0 or affine.d != 0:
        raise InputError("rotated or sheared GeoTIFF rasters are not supported", file=path)
    if affine.a == 0 or affine.e == 0:
        raise InputError("GeoTIFF has a zero pixel size", file=path)

    heights = band.astype(np.float32)
    # read_masks reports nodata and internal masks alike; NaN may also be used unflagged.
    void = (valid_mask == 0) | ~np.isfinite(heights)
    # rasterio's affine maps the upper-left corner of each pixel; DEM wants cell centres.
    x0 = affine.c + 0.5 * affine.a + 0.5 * affine.b
    y0 = affine.f + 0.5 * affine.d + 0.5 * affine.e
    dx, dy = float(affine.a), float(affine.e)
    if dx < 0:
        heights, void = heights[:, ::-1], void[:, ::-1]
        x0, dx = x0 + (heights.shape[1] - 1) * dx, -dx
    if dy > 0:
        heights, void = heights[::-1, :], void[::-1, :]
        y0, dy = y0 + (heights.shape[0] - 1) * dy, -dy
    if not all(math.isfinite(v) for v in (x0, y0, dx, dy)):
        raise InputError("GeoTIFF has a non-finite geotransform", file=path)
    return (
        np.ascontiguousarray(heights),
        np.ascontiguousarray(void),
        (float(x0), float(y0), dx, dy),
        crs,
    )
