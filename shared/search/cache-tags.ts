import { circleCells, gridCell, GRIDS } from './geo-cells.ts';
import type { DateRange, ProfessionalDocument } from './professional-document.ts';

/**
 * Narrow invalidation of cached search answers, shared by the query side (which tags each cached answer
 * with what it depends on) and the indexer (which, once a new document is searchable, bumps the tags its
 * change touched). A cached answer is served only while every tag it was stamped with keeps the generation
 * it had before the answer was computed (see query-api/search/response-cache.ts).
 *
 * Tags:
 * - `p:<id>`: anything about one professional (its detail page and slots);
 * - `pc:<cell>`: what a search without a time window shows in an area (membership, order and fields
 *   depend on profiles and next_free_start only);
 * - `ac:<cell>:<hour>`: free time in an area during one hour (searches with a time window): a change of free
 *   time can only change the answer of a time-window search whose window meets the time that changed;
 * - both narrowed by category (`pc:<cell>/<category>`, `ac:<cell>:<hour>/<category>`) for searches that
 *   name one: a plumber's booking leaves cached searches for electricians alone;
 * - `epoch`: everything (a reindex, or invalidations that could not be sent while Redis was away).
 *
 * Areas are cells of a 0.5° grid; a query whose circle would cover too many of them (huge radius near a
 * pole) uses the cells of a coarse 10° grid instead, which the indexer always bumps too.
 */
export const EPOCH_TAG = 'epoch';

const MAX_FINE_CELLS = 256;
const HOUR_MS = 3_600_000;
const MAX_HOUR_TAGS = 240;

export const professionalTag = (id: string) => `p:${id}`;

const pointCells = (lat: number, lon: number) => [gridCell(lat, lon, GRIDS.fine), gridCell(lat, lon, GRIDS.coarse)];

function areaCells(lat: number, lon: number, radiusKm: number): string[] {
  return circleCells(lat, lon, radiusKm, GRIDS.fine, MAX_FINE_CELLS) ?? circleCells(lat, lon, radiusKm, GRIDS.coarse, Infinity)!;
}

function hours(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let hour = Math.floor(fromMs / HOUR_MS); hour <= Math.floor((toMs - 1) / HOUR_MS); hour++) out.push(hour);
  return out;
}

// Tags travel space-separated on the invalidation channel: categories (which may hold spaces) are encoded.
const ofCategory = (category: string | undefined) => (category === undefined ? '' : `/${encodeURIComponent(category)}`);

/** The tags of a cached search answer: its area, and with a time window, the area's free time in those hours. */
export function searchTags(q: {
  lat: number;
  long: number;
  location_radius_km: number;
  category?: string;
  start_time?: Date;
  duration_minutes?: number;
}): string[] {
  const cells = areaCells(q.lat, q.long, q.location_radius_km);
  const suffix = ofCategory(q.category);
  const tags = [EPOCH_TAG, ...cells.map((c) => `pc:${c}${suffix}`)];
  if (q.start_time && q.duration_minutes) {
    const from = q.start_time.getTime();
    for (const hour of hours(from, from + q.duration_minutes * 60_000)) for (const c of cells) tags.push(`ac:${c}:${hour}${suffix}`);
  }
  return tags;
}

/** The tags of a cached answer about one professional. */
export function professionalTags(id: string): string[] {
  return [EPOCH_TAG, professionalTag(id)];
}

/** What search shows of a document, apart from its free ranges. */
type Shown = Pick<ProfessionalDocument, 'name' | 'category' | 'rate_per_minute' | 'currency' | 'location' | 'travel_modes' | 'active' | 'next_free_start'>;

/** The API shows a next free start that has passed as "now". */
const shownStart = (start: string | null, nowIso: string) => (start !== null && start < nowIso ? nowIso : start);

function sameProfile(a: Shown, b: Shown, nowIso: string): boolean {
  return (
    a.name === b.name &&
    a.category === b.category &&
    a.rate_per_minute === b.rate_per_minute &&
    a.currency === b.currency &&
    a.location.lat === b.location.lat &&
    a.location.lon === b.location.lon &&
    a.active === b.active &&
    shownStart(a.next_free_start, nowIso) === shownStart(b.next_free_start, nowIso) &&
    a.travel_modes.join() === b.travel_modes.join()
  );
}

/** Free time from `now` on, in epoch ms: indexing at another instant clips the running range differently, which is no change. */
function fromNow(ranges: readonly DateRange[], now: number): Array<[number, number]> {
  return ranges.map((r): [number, number] => [Math.max(Date.parse(r.gte), now), Date.parse(r.lt)]).filter(([start, end]) => end > start);
}

/** The time that is free in exactly one of two sets of disjoint ranges (their symmetric difference). */
export function differingTime(a: ReadonlyArray<[number, number]>, b: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const bounds = [...new Set([...a.flat(), ...b.flat()])].sort((x, y) => x - y);
  const covers = (set: ReadonlyArray<[number, number]>, t: number) => set.some(([start, end]) => start <= t && t < end);
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [start, end] = [bounds[i]!, bounds[i + 1]!];
    if (covers(a, start) === covers(b, start)) continue;
    const last = out[out.length - 1];
    if (last && last[1] === start) last[1] = end;
    else out.push([start, end]);
  }
  return out;
}

export type IndexedView = Shown & { free_ranges: DateRange[] };

/**
 * The tags a change of one document touches, comparing what was indexed before with what is indexed now
 * (either may be missing: created, removed). A superset is always safe; the point is to leave untouched the
 * answers the change cannot affect. `now` is when the new document was built.
 *
 * A changed profile (or a new or removed document) touches its area, which every search there carries.
 * Otherwise only the free time that changed matters: a time-window search asks whether one free range
 * contains its window, and that answer can only change if the window meets time that became free or busy.
 */
export function changeTags(id: string, before: IndexedView | undefined, after: IndexedView | undefined, now: Date): string[] {
  const tags = new Set([professionalTag(id)]);
  const located = [before, after].filter((d): d is IndexedView => d !== undefined);
  // every search these documents could appear in: any category, or theirs
  const suffixes = ['', ...new Set(located.map((d) => ofCategory(d.category)))];
  const cellsOf = located.flatMap((d) => pointCells(d.location.lat, d.location.lon).flatMap((c) => suffixes.map((suffix) => ({ c, suffix }))));
  const areaTags = () => {
    for (const { c, suffix } of cellsOf) tags.add(`pc:${c}${suffix}`);
    return [...tags];
  };
  if (!before || !after || !sameProfile(before, after, now.toISOString())) return areaTags();
  const changed = differingTime(fromNow(before.free_ranges, now.getTime()), fromNow(after.free_ranges, now.getTime()));
  const touched = new Set(changed.flatMap(([start, end]) => hours(start, end)));
  // Beyond that many hours, the area's tag (carried by time-window searches too) is the cheaper superset.
  if (touched.size > MAX_HOUR_TAGS) return areaTags();
  for (const hour of touched) for (const { c, suffix } of cellsOf) tags.add(`ac:${c}:${hour}${suffix}`);
  return [...tags];
}

/**
 * Where the cache lives in Redis, per namespace (the index alias, so deployments or test suites sharing a
 * Redis never mix): entries, fill locks, one generation counter per tag, and the channel on which the indexer
 * announces new generations to the in-process near caches of every query-api instance.
 */
export function cacheLayout(namespace: string) {
  const prefix = `search:${namespace}:`;
  return {
    // "e2": entries carry their entity tag (format in query-api/search/response-cache.ts)
    entry: (key: string) => `${prefix}e2:${key}`,
    /** Held by the one instance filling an entry (SET NX PX) while the others wait for it. */
    lock: (key: string) => `${prefix}l:${key}`,
    generation: (tag: string) => `${prefix}g:${tag}`,
    generationPrefix: `${prefix}g:`,
    channel: `${prefix}invalidations`,
  };
}

/** How long a tag's generation is kept after its last bump: far longer than any cached answer lives. */
export const GENERATION_TTL_MS = 86_400_000;
