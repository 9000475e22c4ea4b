import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { eventually } from '../scripts/testing/builders.ts';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { services } from '../scripts/testing/services.ts';

function run(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('process start-up', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({});
  });
  after(() => system.close());

  it('stops command-api with a message naming a bad setting and its rule', async () => {
    const { code, stderr } = await run('command-api/main.ts', { ...system.env, COMMAND_API_PORT: 'not-a-port', HOLD_MINUTES: '-3' });
    expect(code).to.equal(1);
    expect(stderr).to.match(/COMMAND_API_PORT.*must be a number/);
    expect(stderr).to.match(/HOLD_MINUTES/);
  });

  it('stops query-api and the indexer when ELASTICSEARCH_URL is missing, saying so', async () => {
    const { ELASTICSEARCH_URL: _omit, ...env } = system.env;
    for (const entry of ['query-api/main.ts', 'indexer/main.ts']) {
      const { code, stderr } = await run(entry, env);
      expect(code, entry).to.equal(1);
      expect(stderr, entry).to.match(/ELASTICSEARCH_URL.*required/);
    }
  });

  it('says clearly that the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await run('command-api/main.ts', { ...system.env, HOST: '127.0.0.1', COMMAND_API_PORT: String(port) });
      expect(code).to.equal(1);
      expect(stderr).to.include(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('serves HTTPS when TLS_CERT_FILE and TLS_KEY_FILE are set, with helmet headers, and exits cleanly on SIGTERM', async () => {
    const dir = services().tmpDir;
    const cert = path.join(dir, 'tls-cert.pem');
    const key = path.join(dir, 'tls-key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
      stdio: 'ignore',
    });
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'command-api/main.ts'], {
      env: { PATH: process.env.PATH, ...system.env, HOST: '127.0.0.1', COMMAND_API_PORT: String(port), TLS_CERT_FILE: cert, TLS_KEY_FILE: key },
      stdio: 'ignore',
    });
    try {
      const res = await eventually(
        () =>
          new Promise<{ status?: number; headers: Record<string, unknown> }>((resolve, reject) => {
            https
              .get(`https://127.0.0.1:${port}/health/live`, { rejectUnauthorized: false }, (r) => {
                r.resume();
                resolve({ status: r.statusCode, headers: r.headers });
              })
              .on('error', reject);
          }),
        15_000,
        200,
      );
      expect(res.status).to.equal(200);
      expect(res.headers['strict-transport-security']).to.be.a('string');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited, 'SIGTERM drains, closes the pools and exits cleanly').to.equal(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
