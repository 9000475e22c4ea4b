import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { generateSecret, signedHeaders, signingSecrets } from './signing.ts';

describe('webhook signing', () => {
  const now = new Date();

  it('signs so that the standardwebhooks library verifies the body', () => {
    const secret = generateSecret();
    expect(secret).to.match(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'booking.created', timestamp: now.toISOString(), data: { id: 'b1' } });
    const headers = signedHeaders([secret], 'msg_1', now, body);
    expect(new Webhook(secret).verify(body, headers)).to.deep.equal(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).to.throw(/No matching signature/);
    expect(() => new Webhook(secret).verify(body.replace('b1', 'b2'), headers)).to.throw(/No matching signature/);
  });

  it('carries one signature per secret, each verifiable on its own', () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const headers = signedHeaders([a, b], 'msg_2', now, '{}');
    expect(headers['webhook-signature']!.split(' ')).to.have.length(2);
    for (const s of [a, b]) expect(() => new Webhook(s).verify('{}', headers)).not.to.throw();
  });

  const table: Array<[string, Date | null, number]> = [
    ['no previous secret', null, 1],
    ['a previous secret within its 24 h', new Date(now.getTime() + 3_600_000), 2],
    ['a previous secret past its 24 h', new Date(now.getTime() - 1), 1],
  ];
  for (const [what, expiresAt, count] of table) {
    it(`signs with ${count} secret(s) given ${what}`, () => {
      const secrets = signingSecrets({ secret: 'whsec_new', previousSecret: expiresAt ? 'whsec_old' : null, previousSecretExpiresAt: expiresAt }, now);
      expect(secrets).to.have.length(count);
      expect(secrets[0]).to.equal('whsec_new');
    });
  }
});
