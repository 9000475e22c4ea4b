/**
 * Mail sink: a real SMTP server (smtp-server; no auth, no TLS) that keeps every message it
 * receives, both as an `.eml` file under `dir` and in memory (parsed with mailparser), and
 * optionally lists them over HTTP:
 *   GET /messages       → [{ id, from, to, subject, date, file }]
 *   GET /messages/:id   → the raw message (message/rfc822)
 *   DELETE /messages    → clears the in-memory list
 *
 * Point nodemailer at `smtpUrl` (smtp://127.0.0.1:PORT). Stopping a sink and starting another
 * one on the same port works (tests simulate "SMTP down, then up again").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';

export interface ReceivedAttachment {
  filename: string | undefined;
  contentType: string;
  /** decoded content as UTF-8 text (an .ics attachment reads as its iCalendar text) */
  content: string;
  size: number;
}

export interface ReceivedMail {
  id: string;
  /** address of the From: header (envelope sender when the header is missing) */
  from: string;
  /** addresses of the To: header (envelope recipients when the header is missing) */
  to: string[];
  cc: string[];
  subject: string;
  /** Date: header (receipt time when missing), ISO 8601 */
  date: string;
  receivedAt: string;
  messageId: string | undefined;
  text: string;
  html: string | undefined;
  attachments: ReceivedAttachment[];
  /** SMTP envelope */
  envelope: { from: string; to: string[] };
  /** lower-cased header name → raw value(s) */
  headers: Record<string, string>;
  raw: string;
  /** absolute path of the stored .eml file */
  file: string;
}

export interface MailSink {
  smtpUrl: string;
  port: number;
  httpUrl?: string;
  messages(): ReceivedMail[];
  /** Resolves with the first message (already received or arriving later) that matches. */
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Forgets the messages held in memory (the .eml files stay on disk). */
  clear(): void;
  stop(): Promise<void>;
}

export interface MailSinkOptions {
  /** SMTP port; 0 or absent picks a free one */
  port?: number;
  /** HTTP listing port; absent → no HTTP listing, 0 → a free port */
  httpPort?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** directory for the .eml files (created when missing) */
  dir: string;
  log?: (msg: string) => void;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (a === undefined ? [] : Array.isArray(a) ? a : [a])
    .flatMap((o) => o.value)
    .map((v) => v.address ?? '')
    .filter(Boolean);

export async function startMailSink(opts: MailSinkOptions): Promise<MailSink> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';
  const dir = path.resolve(opts.dir);
  await mkdir(dir, { recursive: true });

  let store: ReceivedMail[] = [];
  const waiters = new Set<(m: ReceivedMail) => void>();
  let seq = 0;

  async function accept(raw: Buffer, envelope: ReceivedMail['envelope']): Promise<ReceivedMail> {
    const received = new Date();
    seq += 1;
    const id = `${received.toISOString().replace(/[-:.]/g, '')}-${String(seq).padStart(4, '0')}-${randomBytes(3).toString('hex')}`;
    const file = path.join(dir, `${id}.eml`);
    await writeFile(file, raw);
    const parsed = await simpleParser(raw);
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
      const value = line.slice(line.indexOf(':') + 1).trim();
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
    const to = addresses(parsed.to);
    const mail: ReceivedMail = {
      id,
      from: addresses(parsed.from)[0] ?? envelope.from,
      to: to.length > 0 ? to : envelope.to,
      cc: addresses(parsed.cc),
      subject: parsed.subject ?? '',
      date: (parsed.date ?? received).toISOString(),
      receivedAt: received.toISOString(),
      messageId: parsed.messageId,
      text: parsed.text ?? '',
      html: parsed.html === false ? undefined : parsed.html,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.content.toString('utf8'),
        size: a.size,
      })),
      envelope,
      headers,
      raw: raw.toString('utf8'),
      file,
    };
    store.push(mail);
    log(`mail sink: received ${id} "${mail.subject}" for ${mail.to.join(', ')} → ${file}`);
    for (const w of [...waiters]) w(mail);
    return mail;
  }

  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    hideSTARTTLS: true,
    logger: false,
    banner: 'booking-marketplace mail sink',
    size: 25 * 1024 * 1024,
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const err = Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 });
          callback(err);
          return;
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        accept(Buffer.concat(chunks), envelope).then(
          (m) => callback(null, `Message queued as ${m.id}`),
          (err: unknown) => {
            log(`mail sink: could not store a message: ${String(err)}`);
            callback(Object.assign(new Error('Local error while storing the message'), { responseCode: 451 }));
          },
        );
      });
    },
  });
  smtp.on('error', (err) => log(`mail sink: smtp error: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    smtp.server.once('error', onError);
    smtp.listen(opts.port ?? 0, host, () => {
      smtp.server.off('error', onError);
      resolve();
    });
  });
  const port = (smtp.server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const smtpUrl = `smtp://${urlHost}:${port}`;

  let httpServer: http.Server | undefined;
  let httpUrl: string | undefined;
  if (opts.httpPort !== undefined) {
    httpServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://sink');
      const json = (status: number, v: unknown): void => {
        const body = JSON.stringify(v, null, 2);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      const m = /^\/messages(?:\/([^/]+))?\/?$/.exec(url.pathname);
      if (!m) return json(404, { error: 'not found' });
      if (req.method === 'DELETE' && !m[1]) {
        store = [];
        return json(200, { cleared: true });
      }
      if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
      if (!m[1]) {
        return json(
          200,
          store.map(({ id, from, to, subject, date, file }) => ({ id, from, to, subject, date, file })),
        );
      }
      const id = decodeURIComponent(m[1]);
      const mail = store.find((x) => x.id === id);
      if (!mail) return json(404, { error: `no message ${id}` });
      if (url.searchParams.get('format') === 'json') return json(200, mail);
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': Buffer.byteLength(mail.raw) });
      res.end(mail.raw);
    });
    const srv = httpServer;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(opts.httpPort, host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    httpUrl = `http://${urlHost}:${(srv.address() as AddressInfo).port}`;
  }
  log(`mail sink: SMTP on ${smtpUrl}${httpUrl ? `, listing on ${httpUrl}/messages` : ''}, storing in ${dir}`);

  let stopped = false;
  const sink: MailSink = {
    smtpUrl,
    port,
    ...(httpUrl ? { httpUrl } : {}),
    messages: () => [...store],
    waitFor(predicate, timeoutMs = 5000) {
      const found = store.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = (m: ReceivedMail): void => {
          let ok = false;
          try {
            ok = predicate(m);
          } catch (err) {
            cleanup();
            reject(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          if (ok) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          const got = store.map((x) => `"${x.subject}" → ${x.to.join(', ')}`).join('; ') || 'none';
          reject(new Error(`mail sink: no matching message within ${timeoutMs} ms (received: ${got})`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        waiters.add(waiter);
      });
    },
    clear() {
      store = [];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        httpServer
          ? new Promise<void>((resolve) => {
              httpServer.close(() => resolve());
              httpServer.closeAllConnections();
            })
          : Promise.resolve(),
      ]);
      log('mail sink: stopped');
    },
  };
  return sink;
}

// `npx tsx scripts/stand-ins/mail-sink.ts` runs one on its own (SMTP_PORT, HTTP_PORT, MAIL_DIR).
if (import.meta.url === `file://${process.argv[1]}`) {
  const sink = await startMailSink({
    port: Number(process.env.SMTP_PORT ?? 1025),
    httpPort: Number(process.env.HTTP_PORT ?? 1080),
    dir: process.env.MAIL_DIR ?? '.data/mail',
    log: (msg) => console.log(msg),
  });
  console.log(`Mail sink: ${sink.smtpUrl}, ${sink.httpUrl}/messages`);
  const shutdown = (): void => void sink.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
