/**
 * The cached-search baseline, run as a child process of the bench: plain Express with its defaults,
 * answering GET /search/professionals with a fixed body (the bytes query-api serves from its cache).
 * BODY_FILE and PORT come from the environment.
 */
import { readFileSync } from 'node:fs';
import express from 'express';

const body = readFileSync(process.env.BODY_FILE ?? '', 'utf8');
const app = express();
app.get('/search/professionals', (_req, res) => {
  res.type('application/json').send(body);
});
app.get('/health/live', (_req, res) => {
  res.send('ok');
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
