import { expect } from 'chai';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Registry } from 'prom-client';
import { createBaseApp, finishApp } from './http/base-app.ts';
import { createLogger, LOG_FLUSH_INTERVAL_MS, redactUrl } from './logger.ts';

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('logger', () => {
  describe('redactUrl', () => {
    const cases: Array<[string, string]> = [
      ['/search/professionals?lat=5&long=1', '/search/professionals?lat=5&long=1'],
      ['/bookings/1?access_token=eyJabc.def.ghi', '/bookings/1?access_token=[redacted]'],
      ['/x?a=1&api_key=k1&b=2&client_secret=s&password=p', '/x?a=1&api_key=[redacted]&b=2&client_secret=[redacted]&password=[redacted]'],
      ['/x?Access%5FToken=t&sig=abc&code=123', '/x?Access%5FToken=[redacted]&sig=[redacted]&code=[redacted]'],
      ['/x?token', '/x?token'],
      ['/no-query', '/no-query'],
    ];
    for (const [url, expected] of cases) {
      it(`logs ${url} as ${expected}`, () => {
        expect(redactUrl(url)).to.equal(expected);
      });
    }
  });

  it('writes no query-string token to the request log', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'log-')), 'api.log');
    const logger = createLogger({ name: 'api', level: 'info', destination: file });
    const app = finishApp(createBaseApp({ logger, registry: new Registry(), readiness: {} }), logger);
    await request(app).get('/bookings/1?access_token=eyJhbGciOiJIUzI1NiJ9.secret-part.sig&lang=en');
    logger.flush();
    await sleep(100);
    const text = read(file);
    expect(text).to.include('access_token=[redacted]&lang=en');
    expect(text).not.to.include('secret-part');
  });

  it('reaches its file within a second at low traffic, without waiting for the buffer to fill or the process to exit', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'log-')), 'quiet.log');
    const logger = createLogger({ name: 'quiet', level: 'info', destination: file });
    logger.info({ event: 'booking confirmed' }, 'one short line');
    await sleep(200);
    // the line is far below the 4 kB buffer, so only the timer can have written it
    const deadline = Date.now() + LOG_FLUSH_INTERVAL_MS + 500;
    while (!read(file).includes('one short line') && Date.now() < deadline) await sleep(50);
    expect(read(file)).to.include('one short line');
  });
});
