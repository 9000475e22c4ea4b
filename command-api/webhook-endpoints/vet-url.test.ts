import { expect } from 'chai';
import { vetUrl } from './manage-webhook-endpoints.ts';

describe('vetting a webhook URL when an endpoint is created or changed', () => {
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address }));
  const table: Array<[string, string, boolean, () => Promise<Array<{ address: string }>>, true | string]> = [
    ['a name resolving to a public address', 'https://hooks.example.test/in', false, resolvesTo('93.184.216.34'), true],
    ['a name resolving to a private address', 'https://hooks.example.test/in', false, resolvesTo('10.0.0.7'), 'webhook_url_not_allowed'],
    [
      'a name with one public and one loopback address',
      'https://hooks.example.test/',
      false,
      resolvesTo('93.184.216.34', '127.0.0.1'),
      'webhook_url_not_allowed',
    ],
    ['a name resolving to loopback in development mode', 'http://hooks.example.test/', true, resolvesTo('127.0.0.1'), true],
    [
      'a name resolving to the metadata address in development mode',
      'http://hooks.example.test/',
      true,
      resolvesTo('169.254.169.254'),
      'webhook_url_not_allowed',
    ],
    [
      'a name that does not resolve (checked again at each delivery)',
      'https://not-yet.example.test/',
      false,
      async () => Promise.reject(new Error('ENOTFOUND')),
      true,
    ],
    ['a literal address, never resolved', 'https://10.0.0.7/', false, async () => Promise.reject(new Error('must not resolve')), 'webhook_url_not_allowed'],
    ['an ftp URL', 'ftp://hooks.example.test/', true, resolvesTo('93.184.216.34'), 'validation_error'],
  ];
  for (const [what, url, allowPrivate, resolve, expected] of table) {
    it(`${expected === true ? 'accepts' : `answers ${expected} for`} ${what}`, async () => {
      const result = await vetUrl(url, allowPrivate, resolve);
      if (expected === true) expect(result).to.deep.equal({ ok: true, value: url });
      else expect(result).to.include({ ok: false, code: expected });
    });
  }
});
