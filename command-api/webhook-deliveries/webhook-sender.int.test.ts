import { expect } from 'chai';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/testing/webhook-receiver.ts';
import { createWebhookSender, type Resolver } from './webhook-sender.ts';

/** A DNS that answers `hooks.example.test` with the given addresses, as a rebinding attacker's would. */
const dnsAnswering =
  (...addresses: string[]): Resolver =>
  (_host, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('the webhook sender checks every connection’s address (DNS rebinding)', () => {
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(() => receiver.stop());

  const body = JSON.stringify({ type: 'booking.created', timestamp: new Date().toISOString(), data: { id: 'b1' } });
  const port = () => new URL(receiver.url).port;
  const send = (allowPrivateUrls: boolean, url: string, resolve: Resolver) =>
    createWebhookSender({ allowPrivateUrls, timeoutMs: 2000, resolve })(url, { 'webhook-id': 'msg_1' }, body);

  it('refuses a public-looking name that now resolves to loopback, before connecting', async () => {
    const before = receiver.requests.length;
    const outcome = await send(false, `https://hooks.example.test:${port()}/hooks`, dnsAnswering('127.0.0.1'));
    expect(outcome).to.include({ result: 'refused_address', status: null });
    expect(outcome.error).to.match(/loopback/);
    expect(receiver.requests.length).to.equal(before);
  });

  it('refuses a name with one public and one private address', async () => {
    const outcome = await send(false, `https://hooks.example.test:${port()}/hooks`, dnsAnswering('93.184.216.34', '10.0.0.7'));
    expect(outcome.result).to.equal('refused_address');
  });

  it('refuses the metadata address even in development mode', async () => {
    const before = receiver.requests.length;
    const outcome = await send(true, `http://hooks.example.test:${port()}/hooks`, dnsAnswering('169.254.169.254'));
    expect(outcome.result).to.equal('refused_address');
    expect(outcome.error).to.match(/metadata/);
    expect(receiver.requests.length).to.equal(before);
  });

  it('connects through the checked address when it is allowed (development mode, loopback)', async () => {
    const outcome = await send(true, `http://hooks.example.test:${port()}/hooks`, dnsAnswering('127.0.0.1'));
    expect(outcome).to.include({ result: 'success', status: 204 });
    const last = receiver.requests[receiver.requests.length - 1]!;
    expect(last.headers).to.include({ 'webhook-id': 'msg_1', 'content-type': 'application/json', host: `hooks.example.test:${port()}` });
    expect(last.body).to.equal(body);
  });

  it('refuses a stored loopback URL once development mode is off, without connecting', async () => {
    const before = receiver.requests.length;
    const outcome = await send(false, receiver.url, dnsAnswering('127.0.0.1'));
    expect(outcome.result).to.equal('refused_address');
    expect(receiver.requests.length).to.equal(before);
  });
});
