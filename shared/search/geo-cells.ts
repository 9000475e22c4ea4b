/**
 * Grids of cells on the globe, shared by the cache tags (which area a cached answer depends on) and the
 * read model (which cells a professional lies in, so that a search can start from the few cells its circle
 * touches instead of every professional of a category). A circle's cells are those its bounding box
 * touches (with a margin), so they always include the cell of every point within the circle.
 */
export interface Grid {
  deg: number;
  prefix: string;
}

export const GRIDS = {
  /** ~5.5 km cells: a search's own circle (radius up to ~15 km) */
  small: { deg: 0.05, prefix: 's' },
  /** ~55 km cells */
  fine: { deg: 0.5, prefix: 'f' },
  coarse: { deg: 10, prefix: 'c' },
} as const satisfies Record<string, Grid>;

// Elasticsearch's arc distance uses the mean Earth radius; the 1% margin keeps rounding on the safe side.
const KM_PER_DEG_LAT = (6371.0088 * Math.PI) / 180;
const MARGIN = 1.01;

const rowOf = (lat: number, deg: number) => Math.floor((Math.min(lat, 89.999999) + 90) / deg);

export function gridCell(lat: number, lon: number, grid: Grid): string {
  const columns = Math.round(360 / grid.deg);
  const col = ((Math.floor((lon + 180) / grid.deg) % columns) + columns) % columns;
  return `${grid.prefix}${rowOf(lat, grid.deg)}.${col}`;
}

/** The cells of one grid that the bounding box of a circle touches, or undefined when they are more than `max`. */
export function circleCells(lat: number, lon: number, radiusKm: number, grid: Grid, max: number): string[] | undefined {
  const { deg } = grid;
  const dLat = (radiusKm * MARGIN) / KM_PER_DEG_LAT;
  const south = Math.max(-90, lat - dLat);
  const north = Math.min(90, lat + dLat);
  const widestCos = Math.cos((Math.min(89.9, Math.max(Math.abs(south), Math.abs(north))) * Math.PI) / 180);
  const dLon = Math.min(180, (radiusKm * MARGIN) / (KM_PER_DEG_LAT * widestCos));
  const rows = [rowOf(south, deg), rowOf(north, deg)];
  const columns = Math.round(360 / deg);
  const firstCol = Math.floor((lon - dLon + 180) / deg);
  const lastCol = Math.min(firstCol + columns - 1, Math.floor((lon + dLon + 180) / deg));
  if ((rows[1]! - rows[0]! + 1) * (lastCol - firstCol + 1) > max) return undefined;
  const cells: string[] = [];
  for (let row = rows[0]!; row <= rows[1]!; row++) {
    for (let col = firstCol; col <= lastCol; col++) cells.push(`${grid.prefix}${row}.${((col % columns) + columns) % columns}`);
  }
  return cells;
}

const MAX_SEARCH_CELLS = 64;

/** The cells a search starts from: of the finest grid that covers its circle with at most 64 cells. */
export function searchCells(lat: number, lon: number, radiusKm: number): string[] {
  return (
    circleCells(lat, lon, radiusKm, GRIDS.small, MAX_SEARCH_CELLS) ??
    circleCells(lat, lon, radiusKm, GRIDS.fine, MAX_SEARCH_CELLS) ??
    circleCells(lat, lon, radiusKm, GRIDS.coarse, Infinity)!
  );
}

/** A professional's cells in every grid, alone and narrowed by its category (`<cell>/<category>`). */
export function documentCells(lat: number, lon: number, category: string): string[] {
  return Object.values(GRIDS).flatMap((grid) => {
    const cell = gridCell(lat, lon, grid);
    return [cell, `${cell}/${category}`];
  });
}
