import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { escapeXml, scalingLatencyChart, scalingThroughputChart, throughputChart, writeCharts, type ScalingPoint, type ThroughputInput } from './charts.ts';

function point(professionals: number, p99_ms: number, measured_at = '2026-11-30T10:00:00.000Z'): ScalingPoint {
  return {
    professionals,
    req_s: 436,
    p50_ms: p99_ms / 3,
    p90_ms: p99_ms / 2,
    p99_ms,
    es_req_s: 760,
    es_p50_ms: p99_ms / 4,
    es_p99_ms: p99_ms / 1.5,
    one_client_p50_ms: p99_ms / 8,
    one_client_p99_ms: p99_ms / 4,
    index_bytes: professionals * 2000,
    load_s: professionals / 1000,
    index_s: professionals / 7000,
    measured_at,
  };
}

const SCALING = [point(10_000, 60), point(100_000, 90), point(1_000_000, 180)];

// bench-results/latest.json's figures
const THROUGHPUT: ThroughputInput = {
  search_uncached: { rps: 436 },
  search_es_direct: { rps: 760 },
  search_cached: { rps: 7706.2 },
  express_bare: { rps: 24608.9 },
  booking_http: { rps: 124.7 },
  booking_sql: { rps: 269.6 },
};

/** Tags nest and close, and text holds no raw < > or bare &: enough to know a browser will parse it. */
function expectWellFormed(svg: string) {
  const open: string[] = [];
  const outside = svg.replace(/<(\/?)([a-z]+)(?:\s+[\w:-]+="[^"<>]*")*\s*(\/?)>/gi, (_, close: string, name: string, selfClosing: string) => {
    if (close) expect(open.pop(), `</${name}>`).to.equal(name);
    else if (!selfClosing) open.push(name);
    return '';
  });
  expect(open).to.deep.equal([]);
  expect(outside).not.to.match(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
}

const num = (s: string | undefined) => Number(s);

/** Markers of one series as [cx, cy], from the tooltips that name them. */
function markers(svg: string, series: string): [number, number][] {
  return [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*><title>([^<:]+):/g)].filter((m) => m[3] === series).map((m) => [num(m[1]), num(m[2])]);
}

function textAt(svg: string, content: string): { x: number; y: number } {
  const m = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].find((t) => t[3] === content);
  expect(m, `text ${content}`).to.exist;
  return { x: num(m![1]), y: num(m![2]) };
}

/** The <line> elements of the SVG, with their attributes. */
const lines = (svg: string) =>
  [...svg.matchAll(/<line ([^>]*)\/>/g)].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));

describe('bench charts', () => {
  describe('scaling latency', () => {
    it('places 1M three decades right of 1k on the log axis, under the ticks labelled 1k, 10k, 100k, 1M', () => {
      const svg = scalingLatencyChart([point(1_000, 50), point(10_000, 60), point(1_000_000, 80)]);
      const [k1, k10, m1] = markers(svg, 'query-api p99').map(([cx]) => cx) as [number, number, number];
      expect(m1 - k1).to.be.closeTo(3 * (k10 - k1), 0.2);
      expect([textAt(svg, '1k').x, textAt(svg, '10k').x, textAt(svg, '1M').x]).to.deep.equal([k1, k10, m1]);
      expect(textAt(svg, '100k').x).to.be.closeTo((k10 + m1) / 2, 0.2);
    });

    it('sorts the points by data set size', () => {
      const svg = scalingLatencyChart([SCALING[2]!, SCALING[0]!, SCALING[1]!]);
      const polyline = /<polyline points="([^"]+)"/.exec(svg)![1]!;
      const xs = polyline.split(' ').map((p) => num(p.split(',')[0]));
      expect(xs).to.deep.equal([...xs].sort((a, b) => a - b));
    });

    it('draws the 100 ms target line at the 100 tick, labelled', () => {
      const svg = scalingLatencyChart(SCALING);
      const y = String(textAt(svg, '100').y);
      const [grid, ...others] = lines(svg).filter((l) => l.y1 === y && l.y2 === y);
      expect(grid!['stroke-dasharray']).to.be.undefined;
      expect(others).to.have.length(1);
      expect(others[0]).to.include({ x1: grid!.x1, x2: grid!.x2 }).and.to.have.property('stroke-dasharray');
      expect(textAt(svg, 'target p99 ≤ 100 ms').y).to.be.below(textAt(svg, '100').y);
    });

    for (const [highest, ticks] of [
      [180, ['0', '50', '100', '150', '200']],
      [40, ['0', '50', '100', '150']], // the target line stays in view
      [1234, ['0', '500', '1,000', '1,500']],
    ] as const) {
      it(`runs the latency axis from 0 to a round tick above ${highest} ms: ${ticks.join(', ')}`, () => {
        const svg = scalingLatencyChart([point(10_000, highest)]);
        const ys = ticks.map((t) => textAt(svg, t).y);
        expect(ys).to.deep.equal([...ys].sort((a, b) => b - a));
        expect(textAt(svg, ticks.at(-1)!).y).to.be.below(markers(svg, 'query-api p99')[0]![1]);
      });
    }

    it('draws five series, the Elasticsearch ones dashed, each in the legend', () => {
      const svg = scalingLatencyChart(SCALING);
      const series = ['query-api p50', 'query-api p90', 'query-api p99', 'Elasticsearch p50', 'Elasticsearch p99'];
      for (const name of series) {
        expect(markers(svg, name), name).to.have.length(3);
        textAt(svg, name);
      }
      const polylines = [...svg.matchAll(/<polyline [^>]*>/g)].map((m) => m[0]);
      expect(polylines.map((p) => p.includes('stroke-dasharray'))).to.deep.equal([false, false, false, true, true]);
    });

    it('places the query-api p99 marker of 1M at 180 ms', () => {
      const svg = scalingLatencyChart(SCALING);
      const [zero, hundred] = [textAt(svg, '0').y, textAt(svg, '100').y];
      expect(markers(svg, 'query-api p99')[2]![1]).to.be.closeTo(zero + 1.8 * (hundred - zero), 0.2);
    });

    it('still draws markers for a single point, and no line', () => {
      const svg = scalingLatencyChart([point(100_000, 90)]);
      expect(markers(svg, 'query-api p50')).to.have.length(1);
      expect(markers(svg, 'Elasticsearch p99')).to.have.length(1);
      expect(svg).not.to.include('<polyline');
      expect(markers(svg, 'query-api p50')[0]![0]).to.equal(textAt(svg, '100k').x);
    });

    it('says when the points were measured', () => {
      expect(scalingLatencyChart(SCALING)).to.include('>measured 2026-11-30<');
      expect(scalingLatencyChart([point(10_000, 60), point(1_000_000, 180, '2026-12-02T08:00:00.000Z')])).to.include('>measured 2026-11-30 to 2026-12-02<');
    });

    it('refuses to chart no point', () => {
      expect(() => scalingLatencyChart([])).to.throw(/at least one point/);
    });
  });

  describe('scaling throughput', () => {
    it('labels query-api and Elasticsearch req/s at each size, the higher above its marker', () => {
      const svg = scalingThroughputChart(SCALING);
      expect(markers(svg, 'query-api')).to.have.length(3);
      expect(markers(svg, 'Elasticsearch')).to.have.length(3);
      const [[, esY]] = markers(svg, 'Elasticsearch') as [[number, number]];
      const [[, oursY]] = markers(svg, 'query-api') as [[number, number]];
      expect(textAt(svg, '760').y).to.be.below(esY);
      expect(textAt(svg, '436').y).to.be.above(oursY);
    });
  });

  describe('throughput', () => {
    const svg = throughputChart({ ...THROUGHPUT, booking_http: { rps: 200 } });
    const bar = (title: string) => {
      const m = new RegExp(`<rect x="[\\d.]+" y="([\\d.]+)" width="[\\d.]+" height="([\\d.]+)"[^>]*><title>${title}:`).exec(svg);
      expect(m, title).to.exist;
      return { y: num(m![1]), height: num(m![2]) };
    };

    for (const [group, ours, engine, value, ratio, met] of [
      ['uncached search', 'query-api', 'Elasticsearch', 436 / 760, '0.57× (target ≥ 0.8×)', false],
      ['cached search', 'query-api', 'bare Express', 7706.2 / 24608.9, '0.31× (target ≥ 0.7×)', false],
      ['booking', 'command-api', 'direct SQL', 200 / 269.6, '0.74× (target ≥ 0.5×)', true],
    ] as const) {
      it(`draws ${group} on its own scale, the faster bar full height, with the ratio ${ratio}`, () => {
        const [a, b] = [bar(`${group}, ${ours}`), bar(`${group}, ${engine}`)];
        expect(a.height / b.height).to.be.closeTo(value, 0.01);
        expect(a.y + a.height).to.equal(b.y + b.height);
        expect(b.height).to.equal(bar('uncached search, Elasticsearch').height);
        expect(svg).to.include(`fill="${met ? '#15803d' : '#b91c1c'}">${ratio}</text>`);
      });
    }

    it('labels each bar with its req/s', () => {
      for (const label of ['436', '760', '7,706', '24,609', '200', '270']) textAt(svg, label);
    });

    it('says that the groups do not share a scale', () => {
      expect(svg).to.include('Each pair has its own scale');
    });

    it('draws a zero-height bar, not NaN, for a side that answered nothing', () => {
      const empty = throughputChart({ ...THROUGHPUT, booking_http: { rps: 0 }, booking_sql: { rps: 0 } });
      expect(empty).not.to.include('NaN');
      expect(empty).to.include('–× (target ≥ 0.5×)');
    });
  });

  it('escapes text', () => {
    for (const [raw, escaped] of [
      ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
      [`"quoted" 'too'`, '&quot;quoted&quot; &apos;too&apos;'],
      ['target p99 ≤ 100 ms', 'target p99 ≤ 100 ms'],
    ]) {
      expect(escapeXml(raw!)).to.equal(escaped);
    }
    const svg = scalingLatencyChart([point(10_000, 60, '<b>&</b>')]);
    expect(svg).to.include('measured &lt;b&gt;&amp;&lt;/b');
    expectWellFormed(svg);
  });

  it('writes well-formed, self-contained SVG with a viewBox', () => {
    for (const broken of ['<svg><g></svg>', '<svg><text>a < b</text></svg>', '<svg><text>a & b</text></svg>'])
      expect(() => expectWellFormed(broken)).to.throw();
    for (const svg of [scalingLatencyChart(SCALING), scalingLatencyChart([SCALING[0]!]), scalingThroughputChart(SCALING), throughputChart(THROUGHPUT)]) {
      expectWellFormed(svg);
      expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 720 420" [^>]*font-family="sans-serif"/);
      expect(svg).not.to.match(/href|<style|<script|foreignObject|NaN|Infinity/);
    }
  });

  describe('writeCharts', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'charts-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the throughput and both scaling charts when there are scaling points', () => {
      writeCharts({ ...THROUGHPUT, scaling: SCALING }, dir);
      expect(readdirSync(dir).sort()).to.deep.equal(['scaling-latency.svg', 'scaling-throughput.svg', 'throughput.svg']);
    });

    for (const [name, scaling] of Object.entries({ absent: {}, empty: { scaling: [] } })) {
      it(`writes no scaling charts when there is no scaling point (${name}), and removes those of an earlier run`, () => {
        writeCharts({ ...THROUGHPUT, scaling: SCALING }, dir);
        writeCharts({ ...THROUGHPUT, ...scaling }, dir);
        expect(readdirSync(dir)).to.deep.equal(['throughput.svg']);
      });
    }
  });
});
