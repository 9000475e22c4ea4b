import { expect } from 'chai';
import { checkWebhookUrl, classifyAddress, classifyHostName, isAllowed, type AddressClass } from './webhook-url-policy.ts';

describe('webhook URL policy', () => {
  const addresses: Array<[string, AddressClass]> = [
    ['93.184.216.34', 'public'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['64:ff9b::a9fe:a9fe', 'reserved'],
  ];
  for (const [address, cls] of addresses) {
    it(`classifies ${address} as ${cls}`, () => expect(classifyAddress(address)).to.equal(cls));
  }

  const names: Array<[string, AddressClass]> = [
    ['hooks.example.com', 'public'],
    ['localhost', 'loopback'],
    ['LOCALHOST.', 'loopback'],
    ['api.localhost', 'loopback'],
    ['metadata.google.internal', 'metadata'],
    ['metadata.google.internal.', 'metadata'],
  ];
  for (const [name, cls] of names) {
    it(`classifies the host name ${name} as ${cls}`, () => expect(classifyHostName(name)).to.equal(cls));
  }

  const allowed: Array<[AddressClass, boolean, boolean]> = [
    ['public', false, true],
    ['private', false, false],
    ['private', true, true],
    ['loopback', false, false],
    ['loopback', true, true],
    ['link_local', true, false],
    ['metadata', true, false],
    ['unspecified', true, false],
    ['reserved', true, false],
  ];
  for (const [cls, allowPrivate, expected] of allowed) {
    it(`${expected ? 'allows' : 'refuses'} ${cls} addresses when private URLs are ${allowPrivate ? '' : 'not '}allowed`, () =>
      expect(isAllowed(cls, allowPrivate)).to.equal(expected));
  }

  const urls: Array<[string, boolean, true | 'validation_error' | 'webhook_url_not_allowed']> = [
    ['https://hooks.example.com/bookings', false, true],
    ['https://hooks.example.com:8443/x?y=1', false, true],
    ['not a url', false, 'validation_error'],
    ['/relative/path', false, 'validation_error'],
    ['ftp://hooks.example.com/', false, 'validation_error'],
    ['javascript:alert(1)', true, 'validation_error'],
    ['file:///etc/passwd', true, 'validation_error'],
    ['https://user:secret@hooks.example.com/', false, 'validation_error'],
    ['http://hooks.example.com/', false, 'webhook_url_not_allowed'],
    ['http://hooks.example.com/', true, true],
    ['https://127.0.0.1/', false, 'webhook_url_not_allowed'],
    ['https://127.0.0.1/', true, true],
    ['http://localhost:4000/hook', true, true],
    ['https://localhost/', false, 'webhook_url_not_allowed'],
    ['https://[::1]/', false, 'webhook_url_not_allowed'],
    ['https://[::ffff:7f00:1]/', false, 'webhook_url_not_allowed'],
    ['https://2130706433/', false, 'webhook_url_not_allowed'],
    ['https://0x7f.1/', false, 'webhook_url_not_allowed'],
    ['https://10.0.0.5/', false, 'webhook_url_not_allowed'],
    ['https://10.0.0.5/', true, true],
    ['https://169.254.169.254/latest/meta-data', true, 'webhook_url_not_allowed'],
    ['http://[fe80::1]/', true, 'webhook_url_not_allowed'],
    ['https://metadata.google.internal/', true, 'webhook_url_not_allowed'],
    ['https://0.0.0.0/', true, 'webhook_url_not_allowed'],
  ];
  for (const [url, allowPrivate, expected] of urls) {
    it(`${expected === true ? 'accepts' : `answers ${expected} for`} ${url}${allowPrivate ? ' in development mode' : ''}`, () => {
      const result = checkWebhookUrl(url, allowPrivate);
      if (expected === true) expect(result.ok).to.equal(true);
      else expect(result).to.include({ ok: false, code: expected });
    });
  }
});
