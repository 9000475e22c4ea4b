import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createQueryMetrics } from '../metrics.ts';
import { createResponseCache, createSingleFlightCache, etagOf } from './response-cache.ts';

function setup(ttlSeconds = 30) {
  const metrics = createQueryMetrics(new Registry());
  return createSingleFlightCache(createResponseCache({ ttlSeconds, namespace: 'test', metrics }), metrics);
}

/** A fill that counts its calls and finishes when told to. */
function controlledFill(body: string | undefined = 'body') {
  let calls = 0;
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  return {
    fill: async () => {
      calls++;
      await gate;
      return body;
    },
    calls: () => calls,
    finish: () => finish(),
  };
}

describe('single-flight response cache', () => {
  it('fills once for concurrent identical misses and answers the followers as hits', async () => {
    const cached = setup();
    const f = controlledFill();
    const pending = Array.from({ length: 20 }, () => cached('k', [], f.fill));
    f.finish();
    const results = await Promise.all(pending);
    expect(f.calls()).to.equal(1);
    expect(results.filter((r) => r.cache === 'MISS')).to.have.length(1);
    expect(results.every((r) => r.body === 'body')).to.equal(true);
    expect(await cached('k', [], f.fill)).to.deep.equal({ body: 'body', etag: etagOf('body'), cache: 'HIT' });
    expect(f.calls()).to.equal(1);
  });

  it('keeps different keys apart', async () => {
    const cached = setup();
    const [a, b] = await Promise.all([cached('a', [], async () => 'A'), cached('b', [], async () => 'B')]);
    expect([a.body, b.body]).to.deep.equal(['A', 'B']);
  });

  it('fails every waiter of a failed fill and caches nothing, so the next request tries again', async () => {
    const cached = setup();
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('down');
    };
    const results = await Promise.allSettled([cached('k', [], failing), cached('k', [], failing)]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(calls).to.equal(1);
    expect(await cached('k', [], async () => 'fresh')).to.deep.equal({ body: 'fresh', etag: etagOf('fresh'), cache: 'MISS' });
  });

  it('does not cache an empty fill (not found)', async () => {
    const cached = setup();
    expect(await cached('k', [], async () => undefined)).to.deep.equal({ body: undefined, cache: 'MISS' });
    expect(await cached('k', [], async () => 'now there')).to.deep.equal({ body: 'now there', etag: etagOf('now there'), cache: 'MISS' });
  });

  it('stores nothing at a TTL of 0 but still coalesces concurrent requests', async () => {
    const cached = setup(0);
    const f = controlledFill();
    const pending = [cached('k', [], f.fill), cached('k', [], f.fill)];
    f.finish();
    await Promise.all(pending);
    expect(f.calls()).to.equal(1);
    expect((await cached('k', [], f.fill)).cache).to.equal('MISS');
    expect(f.calls()).to.equal(2);
  });

  it('tags each body with a strong entity tag of its bytes, the same for the same bytes only', () => {
    expect(etagOf('{"a":1}')).to.match(/^"[A-Za-z0-9_-]{27}"$/);
    expect(etagOf('{"a":1}')).to.equal(etagOf('{"a":1}'));
    expect(etagOf('{"a":1}')).not.to.equal(etagOf('{"a":2}'));
  });
});
