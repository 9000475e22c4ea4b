/**
 * SVG charts of a bench report, written next to latest.md. Hand-written plain SVG (no CSS, fonts, scripts or
 * foreignObject) so that GitHub's Markdown viewer shows them as they are, without a charting dependency.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One data set size of the scaling run. */
export interface ScalingPoint {
  professionals: number; // data set size: 10_000, 100_000, 1_000_000
  req_s: number; // uncached search through query-api
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  es_req_s: number; // the same queries straight to Elasticsearch
  es_p50_ms: number;
  es_p99_ms: number;
  /** uncached search through query-api, one request at a time: latency without queueing */
  one_client_p50_ms: number;
  one_client_p99_ms: number;
  index_bytes: number; // primary store size of the index
  load_s: number; // loading PostgreSQL
  index_s: number; // reindex into Elasticsearch
  measured_at: string; // ISO date
}

/** The runs the throughput chart compares: each of ours next to the engine underneath it. */
export interface ThroughputInput {
  search_uncached: { rps: number };
  search_es_direct: { rps: number };
  search_cached: { rps: number };
  express_bare: { rps: number };
  booking_http: { rps: number };
  booking_sql: { rps: number };
}

const WIDTH = 720;
const HEIGHT = 420;
const TARGET_P99_MS = 100;

const BLUE = '#2563eb';
const AMBER = '#d97706';
const RED = '#dc2626';
const GREY = '#6b7280';
const SILVER = '#9ca3af';
const DARK = '#374151';
const LIGHT = '#e5e7eb';
const MET = '#15803d';
const MISSED = '#b91c1c';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

type Attrs = Record<string, string | number>;

// One decimal is finer than a pixel and keeps the files small.
const attrs = (a: Attrs) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? Number(v.toFixed(1)) : escapeXml(v)}"`)
    .join('');
const tag = (name: string, a: Attrs, body?: string) => (body === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${body}</${name}>`);
const text = (x: number, y: number, content: string, a: Attrs = {}) => tag('text', { x, y, ...a }, escapeXml(content));
// A <title> child is the tooltip when the SVG is opened on its own.
const titled = (name: string, a: Attrs, title: string) => tag(name, a, `<title>${escapeXml(title)}</title>`);

function svg(title: string, subtitle: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    // Opaque, or GitHub's dark theme shows dark text on a dark page.
    tag('rect', { width: WIDTH, height: HEIGHT, fill: '#fff' }),
    text(24, 30, title, { 'font-size': 16, 'font-weight': 'bold' }),
    text(24, 50, subtitle, { fill: GREY }),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** 1000 → "1k", 1000000 → "1M" */
const count = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toPrecision(3)}M` : n >= 1e3 ? `${+(n / 1e3).toPrecision(3)}k` : String(n));
const fmt = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) < 100 ? 2 : 0 }) : '–');

/** A step of 1, 2 or 5 × 10ⁿ that cuts 0…max into about five intervals. */
function niceStep(max: number): number {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].find((m) => m * magnitude >= rough)! * magnitude;
}

function linearAxis(max: number, bottom: number, top: number) {
  const step = max > 0 ? niceStep(max) : 1;
  const end = Math.ceil(max / step) * step || step;
  const ticks = Array.from({ length: Math.round(end / step) + 1 }, (_, i) => i * step);
  return { ticks, at: (v: number) => bottom - (v / end) * (bottom - top) };
}

/** Whole decades around the values, a little padding so that the end markers stay off the axes. */
function logAxis(values: number[], left: number, right: number) {
  let lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const pad = 0.15;
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return { ticks, at: (v: number) => left + ((Math.log10(v) - lo + pad) / (hi - lo + 2 * pad)) * (right - left) };
}

interface Series {
  name: string;
  color: string;
  /** the raw engine, drawn dashed with hollow markers */
  direct: boolean;
  points: { x: number; y: number }[];
}

interface LineChart {
  title: string;
  subtitle: string;
  footnote: string;
  yTitle: string;
  unit: string;
  series: Series[];
  reference?: { y: number; label: string };
  /** print each point's value next to its marker (readable with two or three series) */
  valueLabels?: boolean;
}

const PLOT = { left: 72, right: 528, top: 76, bottom: 346 };

function lineChart(c: LineChart): string {
  const all = c.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  const sizes = all.map((p) => p.x);
  const x = logAxis(sizes, PLOT.left, PLOT.right);
  // Headroom above the highest point for its value label.
  const y = linearAxis(Math.max(...all.map((p) => p.y), c.reference?.y ?? 0) * 1.08, PLOT.bottom, PLOT.top);
  const body: string[] = [];
  for (const t of y.ticks) {
    body.push(tag('line', { x1: PLOT.left, x2: PLOT.right, y1: y.at(t), y2: y.at(t), stroke: LIGHT }));
    body.push(text(PLOT.left - 8, y.at(t), fmt(t), { dy: '0.35em', 'text-anchor': 'end', fill: GREY }));
  }
  for (const t of x.ticks) {
    body.push(tag('line', { x1: x.at(t), x2: x.at(t), y1: PLOT.top, y2: PLOT.bottom, stroke: LIGHT }));
    body.push(text(x.at(t), PLOT.bottom + 18, count(t), { 'text-anchor': 'middle', fill: GREY }));
  }
  body.push(tag('line', { x1: PLOT.left, x2: PLOT.right, y1: PLOT.bottom, y2: PLOT.bottom, stroke: GREY }));
  body.push(text((PLOT.left + PLOT.right) / 2, PLOT.bottom + 42, 'professionals in the data set (log scale)', { 'text-anchor': 'middle' }));
  const middle = (PLOT.top + PLOT.bottom) / 2;
  body.push(text(24, middle, c.yTitle, { 'text-anchor': 'middle', transform: `rotate(-90 24 ${middle})` }));

  if (c.reference) {
    const ry = y.at(c.reference.y);
    body.push(tag('line', { x1: PLOT.left, x2: PLOT.right, y1: ry, y2: ry, stroke: DARK, 'stroke-width': 1.5, 'stroke-dasharray': '8 5' }));
    // Left end: latency grows with the data set, so the lines are lowest there.
    body.push(text(PLOT.left + 6, ry - 6, c.reference.label, { fill: DARK }));
  }

  const highest = new Map<number, number>();
  for (const p of all) highest.set(p.x, Math.max(highest.get(p.x) ?? -Infinity, p.y));
  c.series.forEach((s, i) => {
    const points = s.points.filter((p) => Number.isFinite(p.y));
    const dash: Attrs = s.direct ? { 'stroke-dasharray': '6 4' } : {};
    if (points.length > 1) {
      const coords = points.map((p) => `${x.at(p.x).toFixed(1)},${y.at(p.y).toFixed(1)}`).join(' ');
      body.push(tag('polyline', { points: coords, fill: 'none', stroke: s.color, 'stroke-width': 2, ...dash }));
    }
    for (const p of points) {
      body.push(titled('circle', marker(s, x.at(p.x), y.at(p.y)), `${s.name}: ${count(p.x)}, ${fmt(p.y)} ${c.unit}`));
      // The highest value at a size goes above its marker, the others below, so that two close values do not collide.
      if (c.valueLabels) body.push(text(x.at(p.x), y.at(p.y) + (p.y === highest.get(p.x) ? -10 : 20), fmt(p.y), { 'text-anchor': 'middle', fill: s.color }));
    }
    const ly = PLOT.top + 8 + i * 24;
    body.push(tag('line', { x1: 546, x2: 574, y1: ly, y2: ly, stroke: s.color, 'stroke-width': 2, ...dash }));
    body.push(tag('circle', marker(s, 560, ly)));
    body.push(text(582, ly, s.name, { dy: '0.35em' }));
  });
  body.push(text(WIDTH - 24, HEIGHT - 10, c.footnote, { 'text-anchor': 'end', fill: GREY, 'font-size': 11 }));
  return svg(c.title, c.subtitle, body);
}

const marker = (s: Series, cx: number, cy: number): Attrs => ({ cx, cy, r: 4, fill: s.direct ? '#fff' : s.color, stroke: s.color, 'stroke-width': 2 });

function byProfessionals(points: ScalingPoint[]): ScalingPoint[] {
  if (points.length === 0) throw new Error('a scaling chart needs at least one point');
  return [...points].sort((a, b) => a.professionals - b.professionals);
}

function measuredOn(points: ScalingPoint[]): string {
  const days = [...new Set(points.map((p) => p.measured_at.slice(0, 10)))].sort();
  return days.length === 1 ? `measured ${days[0]}` : `measured ${days[0]} to ${days.at(-1)}`;
}

/** Uncached search latency against the data set size, query-api next to Elasticsearch alone. */
export function scalingLatencyChart(points: ScalingPoint[]): string {
  const sorted = byProfessionals(points);
  const line = (name: string, color: string, direct: boolean, ms: (p: ScalingPoint) => number): Series => ({
    name,
    color,
    direct,
    points: sorted.map((p) => ({ x: p.professionals, y: ms(p) })),
  });
  return lineChart({
    title: 'Search latency by data set size',
    subtitle: 'uncached search through query-api; dashed: the same queries straight to Elasticsearch',
    footnote: measuredOn(sorted),
    yTitle: 'latency (ms)',
    unit: 'ms',
    series: [
      line('query-api p50', BLUE, false, (p) => p.p50_ms),
      line('query-api p90', AMBER, false, (p) => p.p90_ms),
      line('query-api p99', RED, false, (p) => p.p99_ms),
      line('Elasticsearch p50', BLUE, true, (p) => p.es_p50_ms),
      line('Elasticsearch p99', RED, true, (p) => p.es_p99_ms),
    ],
    reference: { y: TARGET_P99_MS, label: `target p99 ≤ ${TARGET_P99_MS} ms` },
  });
}

/** Uncached search req/s against the data set size, query-api next to Elasticsearch alone. */
export function scalingThroughputChart(points: ScalingPoint[]): string {
  const sorted = byProfessionals(points);
  return lineChart({
    title: 'Search throughput by data set size',
    subtitle: 'uncached search through query-api; dashed: the same queries straight to Elasticsearch',
    footnote: measuredOn(sorted),
    yTitle: 'req/s',
    unit: 'req/s',
    series: [
      { name: 'query-api', color: BLUE, direct: false, points: sorted.map((p) => ({ x: p.professionals, y: p.req_s })) },
      { name: 'Elasticsearch', color: GREY, direct: true, points: sorted.map((p) => ({ x: p.professionals, y: p.es_req_s })) },
    ],
    valueLabels: true,
  });
}

// buildReport's targets for these ratios.
const GROUPS: { name: string; ours: [string, keyof ThroughputInput]; engine: [string, keyof ThroughputInput]; target: number }[] = [
  { name: 'uncached search', ours: ['query-api', 'search_uncached'], engine: ['Elasticsearch', 'search_es_direct'], target: 0.8 },
  { name: 'cached search', ours: ['query-api', 'search_cached'], engine: ['bare Express', 'express_bare'], target: 0.7 },
  { name: 'booking', ours: ['command-api', 'booking_http'], engine: ['direct SQL', 'booking_sql'], target: 0.5 },
];

/** Grouped bars: each of our services next to the raw engine it stands on, with the ratio and its target. */
export function throughputChart(report: ThroughputInput): string {
  const baseline = 296;
  const fullBar = 196;
  const groupWidth = (WIDTH - 60) / GROUPS.length;
  const barWidth = 72;
  const body: string[] = [];
  GROUPS.forEach((g, i) => {
    const centre = 30 + groupWidth * (i + 0.5);
    const ours = report[g.ours[1]].rps;
    const engine = report[g.engine[1]].rps;
    // Each pair on its own scale: the groups' req/s differ by a factor of a hundred.
    const top = Math.max(ours, engine);
    const bars: [string, number, string, number][] = [
      [g.ours[0], ours, BLUE, centre - barWidth - 12],
      [g.engine[0], engine, SILVER, centre + 12],
    ];
    for (const [label, rps, color, left] of bars) {
      const height = top > 0 && Number.isFinite(rps) ? (rps / top) * fullBar : 0;
      body.push(titled('rect', { x: left, y: baseline - height, width: barWidth, height, fill: color }, `${g.name}, ${label}: ${fmt(rps)} req/s`));
      body.push(text(left + barWidth / 2, baseline - height - 6, fmt(rps), { 'text-anchor': 'middle', 'font-weight': 'bold' }));
      body.push(text(left + barWidth / 2, baseline + 18, label, { 'text-anchor': 'middle', fill: GREY }));
    }
    body.push(tag('line', { x1: centre - groupWidth / 2 + 14, x2: centre + groupWidth / 2 - 14, y1: baseline, y2: baseline, stroke: GREY }));
    body.push(text(centre, baseline + 44, g.name, { 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold' }));
    const ratio = ours / engine;
    const met = ratio >= g.target;
    body.push(
      text(centre, baseline + 66, `${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}× (target ≥ ${g.target}×)`, {
        'text-anchor': 'middle',
        fill: met ? MET : MISSED,
      }),
    );
  });
  body.push(
    text(24, HEIGHT - 16, 'Each pair has its own scale (the faster bar is full height): compare bars within a group, not across groups.', {
      fill: GREY,
      'font-size': 11,
    }),
  );
  return svg('req/s side by side with the raw engines', 'ours in blue, the engine underneath in grey; the ratio is ours ÷ engine', body);
}

/**
 * throughput.svg, and scaling-latency.svg and scaling-throughput.svg when the report has scaling points.
 * dir must exist.
 */
export function writeCharts(report: ThroughputInput & { scaling?: ScalingPoint[] }, dir: string): void {
  writeFileSync(path.join(dir, 'throughput.svg'), throughputChart(report));
  const scaling = report.scaling ?? [];
  for (const [file, chart] of [
    ['scaling-latency.svg', scalingLatencyChart],
    ['scaling-throughput.svg', scalingThroughputChart],
  ] as const) {
    // A chart left by an earlier run would pass for this run's.
    if (scaling.length > 0) writeFileSync(path.join(dir, file), chart(scaling));
    else rmSync(path.join(dir, file), { force: true });
  }
}
