import { expect } from 'chai';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { services } from '../../scripts/testing/services.ts';
import { createLogger } from '../../shared/logger.ts';
import { createRedis, type Redis } from '../../shared/redis.ts';
import { cacheLayout } from '../../shared/search/cache-tags.ts';
import { createQueryMetrics } from '../metrics.ts';
import { createResponseCache, createSingleFlightCache, etagOf, type ResponseCache } from './response-cache.ts';

/** A fill that counts its calls and finishes, with the body given, when told to. */
function gatedFill() {
  let calls = 0;
  const gates: Array<(body: string | undefined) => void> = [];
  return {
    fill: () => {
      calls++;
      return new Promise<string | undefined>((resolve) => gates.push(resolve));
    },
    calls: () => calls,
    /** Finishes the n-th call (0-based). */
    finish: (n: number, body: string | undefined) => gates[n]!(body),
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).to.equal(true);
};

describe('response cache shared by instances through Redis', function () {
  this.timeout(20_000);
  const logger = createLogger({ name: 'test', level: 'silent' });
  const namespace = `rc_${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  const caches: ResponseCache[] = [];
  let n = 0;
  const freshKey = () => `key-${++n}`;

  /** One query-api instance's cache: its own Redis client and near cache. */
  async function instance() {
    const redis = createRedis(services().redis.url, logger);
    clients.push(redis);
    if (redis.status !== 'ready') await once(redis, 'ready');
    const metrics = createQueryMetrics(new Registry());
    const cache = createResponseCache({ redis, ttlSeconds: 30, namespace, metrics });
    caches.push(cache);
    return createSingleFlightCache(cache, metrics);
  }
  after(() => {
    for (const cache of caches) cache.close();
    for (const redis of clients) redis.disconnect();
  });

  it('fills once for identical misses on two instances; the other instance answers from the filled entry', async () => {
    const [a, b] = [await instance(), await instance()];
    const f = gatedFill();
    const key = freshKey();
    const first = a(key, ['t'], f.fill);
    await until(() => f.calls() === 1);
    const others = [...Array.from({ length: 5 }, () => a(key, ['t'], f.fill)), ...Array.from({ length: 5 }, () => b(key, ['t'], f.fill))];
    await new Promise((r) => setTimeout(r, 100));
    expect(f.calls(), 'the second instance waits instead of filling').to.equal(1);
    f.finish(0, 'body');
    const results = await Promise.all([first, ...others]);
    expect(f.calls()).to.equal(1);
    expect(results.map((r) => r.cache)).to.deep.equal(['MISS', ...Array(10).fill('HIT')]);
    expect(results.every((r) => r.body === 'body' && r.etag === etagOf('body'))).to.equal(true);
  });

  it('does not hand a waiter an answer filled from before an invalidation: the waiter fills again, stamped after it', async () => {
    const [a, b] = [await instance(), await instance()];
    const f = gatedFill();
    const key = freshKey();
    const first = a(key, ['t2'], f.fill);
    await until(() => f.calls() === 1);
    const waiter = b(key, ['t2'], f.fill);
    await new Promise((r) => setTimeout(r, 50));
    // the document changes while the first fill reads the old one: the indexer bumps the tag
    await clients[0]!.incr(cacheLayout(namespace).generation('t2'));
    f.finish(0, 'old');
    expect((await first).body).to.equal('old');
    await until(() => f.calls() === 2);
    f.finish(1, 'new');
    expect(await waiter).to.deep.include({ body: 'new', cache: 'MISS' });
    // what is cached now is the answer stamped after the change
    const c = await instance();
    expect(await c(key, ['t2'], f.fill)).to.deep.include({ body: 'new', cache: 'HIT' });
    expect(f.calls()).to.equal(2);
  });

  it('fills itself when the instance holding the lock takes too long', async () => {
    const [a, b] = [await instance(), await instance()];
    const f = gatedFill();
    const key = freshKey();
    const stuck = a(key, ['t'], f.fill);
    await until(() => f.calls() === 1);
    const waiter = b(key, ['t'], f.fill);
    await until(() => f.calls() === 2);
    f.finish(1, 'from b');
    expect(await waiter).to.deep.include({ body: 'from b', cache: 'MISS' });
    f.finish(0, 'from a');
    await stuck;
  });

  it('fills itself once the lock holder found nothing to cache (not found)', async () => {
    const [a, b] = [await instance(), await instance()];
    const f = gatedFill();
    const key = freshKey();
    const first = a(key, ['t'], f.fill);
    await until(() => f.calls() === 1);
    const waiter = b(key, ['t'], f.fill);
    f.finish(0, undefined);
    expect(await first).to.deep.include({ body: undefined, cache: 'MISS' });
    await until(() => f.calls() === 2);
    f.finish(1, 'created meanwhile');
    expect(await waiter).to.deep.include({ body: 'created meanwhile', cache: 'MISS' });
  });

  it('fills without waiting while Redis cannot be asked', async () => {
    const redis = services().redis;
    const [a, b] = [await instance(), await instance()];
    const key = freshKey();
    await redis.stop();
    try {
      let calls = 0;
      const fill = async () => `answer ${++calls}`;
      const results = await Promise.all([a(key, ['t'], fill), b(key, ['t'], fill)]);
      expect(results.map((r) => r.cache)).to.deep.equal(['MISS', 'MISS']);
      expect(calls).to.equal(2);
    } finally {
      await redis.restart();
    }
  });
});
