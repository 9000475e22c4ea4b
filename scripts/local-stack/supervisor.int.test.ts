import { testPool } from '../testing/services.ts';
import { expect } from 'chai';
import http from 'node:http';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../testing/system.ts';
import { addMinutes, eventually, givenProfessional, uniqueId } from '../testing/builders.ts';
import { freePort } from './ports.ts';
import { supervise, type Supervised } from './supervisor.ts';

/** One request on a connection of its own: answered (status) or refused/cut (error code). */
function post(port: number, path: string, headers: Record<string, string>, body: object): Promise<{ status?: number; id?: string; error?: string }> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, id: (JSON.parse(text) as { id?: string }).id }));
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(data);
  });
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

describe('the npm start supervisor', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let port: number;
  let child: Supervised | undefined;
  const said: string[] = [];

  before(async () => {
    // The in-process API creates professionals; the supervised command-api serves the load.
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
    port = await freePort();
  });
  after(async () => {
    await child?.stop();
    await db.end();
    await system.close();
  });

  it('restarts a command-api killed with SIGKILL, says so, and serves again', async function () {
    this.timeout(90_000);
    child = supervise({
      name: 'command-api',
      entry: 'command-api/main.ts',
      env: { ...process.env, ...system.env, HOST: '127.0.0.1', COMMAND_API_PORT: String(port) },
      say: (msg) => said.push(msg),
      backoffMs: 200,
    });
    await eventually(() => ready(port), 40_000, 200);
    const first = child.pid!;
    process.kill(first, 'SIGKILL');
    await eventually(async () => child!.pid !== undefined && child!.pid !== first && (await ready(port)), 40_000, 200);
    expect(child.restarts).to.equal(1);
    expect(said.join('\n')).to.match(/command-api exited \(SIGKILL\); restarting in 0\.2 s \(restart 1\)/);
  });

  it('on SIGTERM answers every request it accepted and refuses the rest cleanly: no booking without its 201', async function () {
    this.timeout(90_000);
    expect(child?.pid, 'started by the previous test').to.be.a('number');
    const pros = await Promise.all([0, 1, 2, 3].map(() => givenProfessional(system)));
    const client = uniqueId('client');
    const token = await system.token('client', client);
    const outcomes: Array<{ status?: number; id?: string; error?: string }> = [];
    let stopping: Promise<void> | undefined;

    const load = pros.map(async (pro) => {
      for (let slot = 0; slot < 16 && !outcomes.some((o) => o.error); slot++) {
        const start = addMinutes(pro.window.start, slot * 30).toISOString();
        const outcome = await post(
          port,
          '/bookings',
          { Authorization: `Bearer ${token}`, 'Idempotency-Key': uniqueId('k') },
          {
            professional_id: pro.id,
            start_time: start,
            duration_minutes: 30,
          },
        );
        outcomes.push(outcome);
        if (outcomes.filter((o) => o.status === 201).length === 6) stopping ??= child!.stop();
      }
    });
    await Promise.all(load);
    await stopping;

    const created = outcomes.filter((o) => o.status === 201).map((o) => o.id!);
    expect(created.length).to.be.at.least(6);
    for (const o of outcomes) {
      // A connection still in the kernel's accept queue when the listener closes is reset, unread.
      if (o.error) expect(o.error).to.be.oneOf(['ECONNREFUSED', 'ECONNRESET']);
      else expect(o.status).to.equal(201);
    }
    expect(
      outcomes.some((o) => o.error),
      'the load outlived the process',
    ).to.equal(true);
    // Every request the process read was answered: no booking exists that its client never heard of.
    const stored = (await db.query(`SELECT id FROM bookings WHERE client_id = $1`, [client])).rows.map((r) => r.id);
    expect(stored.sort()).to.deep.equal(created.sort());
    expect(child!.pid).to.equal(undefined);
    expect(child!.restarts, 'a stop is not a crash').to.equal(1);
  });
});
