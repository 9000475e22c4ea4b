import { expect } from 'chai';
import { computeFreeRanges, type Interval } from './free-ranges.ts';

// Hours from an arbitrary origin keep the cases readable.
const H = 3_600_000;
const at = (hours: number) => hours * H;
const iv = (start: number, end: number): Interval => ({ start: at(start), end: at(end) });
const free = (windows: Interval[], busy: Interval[], from = at(0), to = at(1000)) =>
  computeFreeRanges(windows, busy, from, to).map(({ start, end }) => [start / H, end / H]);

describe('computeFreeRanges', () => {
  it('has no free time without availability', () => {
    expect(free([], [iv(10, 11)])).to.deep.equal([]);
  });

  it('keeps a window without bookings whole', () => {
    expect(free([iv(10, 12)], [])).to.deep.equal([[10, 12]]);
  });

  it('cuts a booking out of the middle of a window', () => {
    expect(free([iv(10, 14)], [iv(11, 12)])).to.deep.equal([
      [10, 11],
      [12, 14],
    ]);
  });

  it('cuts bookings at the start and at the end of a window without leaving empty ranges', () => {
    expect(free([iv(10, 14)], [iv(10, 11), iv(13, 14)])).to.deep.equal([[11, 13]]);
  });

  it('leaves nothing of a window a booking covers entirely', () => {
    expect(free([iv(10, 12)], [iv(9, 13)])).to.deep.equal([]);
  });

  it('leaves no gap between adjacent bookings', () => {
    expect(free([iv(10, 14)], [iv(11, 12), iv(12, 13)])).to.deep.equal([
      [10, 11],
      [13, 14],
    ]);
  });

  it('handles nested and overlapping bookings as their union', () => {
    expect(free([iv(10, 20)], [iv(11, 15), iv(12, 13), iv(14, 16), iv(18, 19)])).to.deep.equal([
      [10, 11],
      [16, 18],
      [19, 20],
    ]);
  });

  it('lets one booking that spans two windows cut both', () => {
    expect(free([iv(10, 12), iv(13, 15)], [iv(11, 14)])).to.deep.equal([
      [10, 11],
      [14, 15],
    ]);
  });

  it('ignores bookings outside every window, including ones that only touch a window edge', () => {
    expect(free([iv(10, 12)], [iv(8, 10), iv(12, 13), iv(20, 21)])).to.deep.equal([[10, 12]]);
  });

  it('merges adjacent windows so that a request spanning both fits one range', () => {
    expect(free([iv(12, 14), iv(10, 12)], [])).to.deep.equal([[10, 14]]);
  });

  it('merges adjacent windows before cutting bookings out of them', () => {
    expect(free([iv(10, 12), iv(12, 14), iv(14, 15)], [iv(13, 14)])).to.deep.equal([
      [10, 13],
      [14, 15],
    ]);
  });

  it('drops windows that are over and clips a running window to now', () => {
    expect(free([iv(1, 3), iv(4, 8), iv(9, 10)], [iv(6, 7)], at(5))).to.deep.equal([
      [5, 6],
      [7, 8],
      [9, 10],
    ]);
  });

  it('drops a window that ends exactly now', () => {
    expect(free([iv(3, 5)], [], at(5))).to.deep.equal([]);
  });

  it('clips a window that crosses the horizon and drops windows beyond it', () => {
    expect(free([iv(10, 30), iv(40, 50)], [], at(0), at(20))).to.deep.equal([[10, 20]]);
    expect(free([iv(20, 30)], [], at(0), at(20))).to.deep.equal([]);
  });

  it('keeps the gap a booking leaves right before the horizon', () => {
    expect(free([iv(10, 30)], [iv(12, 19)], at(0), at(20))).to.deep.equal([
      [10, 12],
      [19, 20],
    ]);
  });

  it('does not modify its inputs', () => {
    const windows = [iv(12, 14), iv(10, 12)];
    const busy = [iv(13, 14)];
    free(windows, busy);
    expect(windows).to.deep.equal([iv(12, 14), iv(10, 12)]);
    expect(busy).to.deep.equal([iv(13, 14)]);
  });
});
