import { expect } from 'chai';
import { circlesWithAPointInside } from '../../scripts/testing/geo.ts';
import { documentCells, gridCell, GRIDS, searchCells } from './geo-cells.ts';

describe('geo cells', () => {
  it('puts a professional in one cell of each grid, alone and with its category', () => {
    const cells = documentCells(5.6037, -0.187, 'plumber');
    expect(cells).to.have.length(6);
    expect(cells).to.include.members([gridCell(5.6037, -0.187, GRIDS.small), `${gridCell(5.6037, -0.187, GRIDS.small)}/plumber`]);
  });

  for (const [radiusKm, prefix, most] of [
    [1, 's', 4],
    [10, 's', 25],
    [14, 's', 64],
    [50, 'f', 9],
    [100, 'f', 36],
    [200, 'c', 4],
  ] as const) {
    it(`covers a ${radiusKm} km circle in Accra with at most ${most} cells of the ${prefix} grid`, () => {
      const cells = searchCells(5.6037, -0.187, radiusKm);
      expect(cells.length).to.be.within(1, most);
      expect(cells.every((c) => c.startsWith(prefix))).to.equal(true);
    });
  }

  it('falls back to the coarse grid for a wide circle near a pole', () => {
    expect(searchCells(89.5, 10, 200).every((c) => c.startsWith('c'))).to.equal(true);
  });

  it('wraps around the antimeridian', () => {
    const cells = searchCells(0, 179.99, 5);
    expect(cells).to.include(gridCell(0, -179.99, GRIDS.small));
    expect(cells).to.include(gridCell(0, 179.99, GRIDS.small));
  });

  it('always includes a cell of every professional inside the circle (random circles and points, the whole globe)', () => {
    for (const { q, point } of circlesWithAPointInside(20_000, 7)) {
      const searched = new Set(searchCells(q.lat, q.long, q.location_radius_km).map((c) => `${c}/tutor`));
      const ofPoint = documentCells(point.lat, point.lon, 'tutor');
      expect(
        ofPoint.some((c) => searched.has(c)),
        `${JSON.stringify(q)} → ${point.lat},${point.lon}`,
      ).to.equal(true);
    }
  });
});
