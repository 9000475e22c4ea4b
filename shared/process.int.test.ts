import { expect } from 'chai';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';

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
});
