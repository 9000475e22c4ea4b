import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import nodemailer, { type Transporter } from 'nodemailer';
import { startMailSink, type MailSink } from './mail-sink.ts';

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//booking-marketplace//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:bk_1@booking-marketplace',
  'DTSTAMP:20250801T000000Z',
  'DTSTART:20250821T100000Z',
  'DTEND:20250821T110000Z',
  'SUMMARY:Booking with pro1',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

function transport(sink: MailSink): Transporter {
  return nodemailer.createTransport(sink.smtpUrl);
}

describe('Mail sink', function () {
  this.timeout(5000);
  let dir: string;
  let sink: MailSink;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mail-sink-test-'));
    sink = await startMailSink({ dir, httpPort: 0 });
  });

  afterEach(async () => {
    await sink.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a message sent over SMTP as an .eml file and in memory', async () => {
    await transport(sink).sendMail({
      from: 'bookings@example.test',
      to: 'alice@example.test',
      subject: 'Your booking is confirmed',
      text: 'See you on 21 August at 10:00 UTC.',
    });
    const [mail] = sink.messages();
    expect(mail).to.not.equal(undefined);
    expect(mail).to.include({ from: 'bookings@example.test', subject: 'Your booking is confirmed' });
    expect(mail?.to).to.deep.equal(['alice@example.test']);
    expect(mail?.text.trim()).to.equal('See you on 21 August at 10:00 UTC.');
    expect(mail?.file.startsWith(dir)).to.equal(true);
    expect(mail?.file.endsWith('.eml')).to.equal(true);
    expect(await readFile(mail!.file, 'utf8')).to.contain('Subject: Your booking is confirmed');
  });

  it('exposes an iCalendar attachment with its content as text', async () => {
    await transport(sink).sendMail({
      from: 'bookings@example.test',
      to: 'alice@example.test',
      subject: 'Booking bk_1',
      text: 'Attached: your calendar entry.',
      attachments: [{ filename: 'booking.ics', content: ICS, contentType: 'text/calendar; method=REQUEST; charset=utf-8' }],
    });
    const mail = await sink.waitFor((m) => m.subject === 'Booking bk_1');
    expect(mail.attachments).to.have.length(1);
    expect(mail.attachments[0]).to.include({ filename: 'booking.ics', contentType: 'text/calendar' });
    expect(mail.attachments[0]?.content).to.contain('BEGIN:VEVENT');
    expect(mail.attachments[0]?.content).to.contain('DTSTART:20250821T100000Z');
  });

  it('resolves waitFor with a message that arrives later and rejects after its timeout', async () => {
    const waiting = sink.waitFor((m) => m.to.includes('bob@example.test'), 3000);
    await transport(sink).sendMail({ from: 'a@example.test', to: 'carol@example.test', subject: 'not this one', text: 'x' });
    await transport(sink).sendMail({ from: 'a@example.test', to: 'bob@example.test', subject: 'this one', text: 'y' });
    expect((await waiting).subject).to.equal('this one');
    let error: unknown;
    await sink.waitFor((m) => m.subject === 'never', 100).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/no matching message within 100 ms/);
  });

  it('lists messages over HTTP and serves each raw message', async () => {
    await transport(sink).sendMail({ from: 'a@example.test', to: 'dave@example.test', subject: 'Listed', text: 'hello' });
    const list = (await (await fetch(`${sink.httpUrl}/messages`)).json()) as Array<Record<string, unknown>>;
    expect(list).to.have.length(1);
    expect(list[0]).to.have.all.keys('id', 'from', 'to', 'subject', 'date', 'file');
    expect(list[0]).to.include({ subject: 'Listed', from: 'a@example.test' });
    const raw = await fetch(`${sink.httpUrl}/messages/${String(list[0]?.id)}`);
    expect(raw.status).to.equal(200);
    expect(raw.headers.get('content-type')).to.equal('message/rfc822');
    expect(await raw.text()).to.contain('Subject: Listed');
    expect((await fetch(`${sink.httpUrl}/messages/nope`)).status).to.equal(404);
  });

  it('forgets the messages held in memory on clear', async () => {
    await transport(sink).sendMail({ from: 'a@example.test', to: 'e@example.test', subject: 'gone', text: 'x' });
    expect(sink.messages()).to.have.length(1);
    sink.clear();
    expect(sink.messages()).to.deep.equal([]);
  });

  it('refuses connections once stopped and receives again when restarted on the same port', async () => {
    const { port } = sink;
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, connectionTimeout: 1000 });
    await sink.stop();
    let error: unknown;
    await mailer.sendMail({ from: 'a@example.test', to: 'f@example.test', subject: 'lost', text: 'x' }).catch((err: unknown) => (error = err));
    expect((error as { code?: string } | undefined)?.code).to.be.oneOf(['ECONNECTION', 'ESOCKET', 'ECONNREFUSED']);

    sink = await startMailSink({ dir, port });
    expect(sink.port).to.equal(port);
    await mailer.sendMail({ from: 'a@example.test', to: 'f@example.test', subject: 'delivered', text: 'x' });
    expect(sink.messages().map((m) => m.subject)).to.deep.equal(['delivered']);
  });
});
