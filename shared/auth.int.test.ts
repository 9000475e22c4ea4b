import { testPool } from '../scripts/testing/services.ts';
import { expect } from 'chai';
import http from 'node:http';
import request from 'supertest';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { book, givenProfessional, uniqueId } from '../scripts/testing/builders.ts';
import { CLOCK_TOLERANCE_SECONDS, createTokenVerifier, signToken } from './auth.ts';

describe('authentication and roles', () => {
  let system: TestSystem;
  const secret = () => system.env.AUTH_JWT_SECRET!;
  const probe = (authorization?: string) => {
    const r = request(system.command!.app).get('/bookings/00000000-0000-4000-8000-000000000000');
    return authorization === undefined ? r : r.set('Authorization', authorization);
  };

  before(async () => {
    system = await startTestSystem({ command: true });
  });
  after(() => system.close());

  it('answers 401 problem+json with WWW-Authenticate when the token is missing', async () => {
    const res = await probe();
    expect(res.status).to.equal(401);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).to.equal('Bearer');
    expect(res.body.code).to.equal('unauthorized');
  });

  it('answers 401 for a malformed header or token', async () => {
    for (const header of ['Basic abc', 'Bearer', 'Bearer not-a-jwt', 'Bearer a.b']) {
      expect((await probe(header)).status, header).to.equal(401);
    }
  });

  it('answers 401 for an expired token', async () => {
    const expired = await signToken(secret(), { sub: 'alice', role: 'client' }, Math.floor(Date.now() / 1000) - 60);
    expect((await probe(`Bearer ${expired}`)).status).to.equal(401);
  });

  it('answers 401 for a token signed with another secret', async () => {
    const forged = await signToken('another-secret-that-is-long-enough-000000', { sub: 'alice', role: 'admin' });
    expect((await probe(`Bearer ${forged}`)).status).to.equal(401);
  });

  it('refuses alg none, even with valid-looking claims', async () => {
    const unsigned = new UnsecuredJWT({ role: 'admin' }).setSubject('root').setIssuedAt().setExpirationTime('1h').encode();
    expect((await probe(`Bearer ${unsigned}`)).status).to.equal(401);
  });

  it('answers 401 for a token without a known role', async () => {
    const token = await new SignJWT({ role: 'superuser' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('eve')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret()));
    expect((await probe(`Bearer ${token}`)).status).to.equal(401);
  });

  it('answers 403 for a valid token with the wrong role', async () => {
    const client = await signToken(secret(), { sub: 'alice', role: 'client' });
    const res = await request(system.command!.app).post('/professionals').set('Authorization', `Bearer ${client}`).send({});
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('forbidden');
  });

  it('accepts a valid token (the booking then simply does not exist)', async () => {
    const client = await signToken(secret(), { sub: 'alice', role: 'client' });
    const res = await probe(`Bearer ${client}`);
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('booking_not_found');
  });

  it('verifies RS256 tokens against a JWKS URL and refuses HS256 ones there', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const verify = createTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
      const token = await new SignJWT({ role: 'professional', professional_id: 'pro1' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('p-user')
        .setExpirationTime('1h')
        .sign(privateKey);
      expect(await verify(token)).to.deep.include({ sub: 'p-user', role: 'professional', professionalId: 'pro1' });
      const hs = await signToken(secret(), { sub: 'x', role: 'admin' });
      await verify(hs).then(
        () => expect.fail('HS256 accepted against a JWKS'),
        () => {},
      );
    } finally {
      server.close();
    }
  });

  describe('time claims', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const hs = (build: (jwt: SignJWT) => SignJWT) =>
      build(new SignJWT({ role: 'client' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice')).sign(new TextEncoder().encode(secret()));

    it('answers 401 for a token without exp', async () => {
      const token = await hs((j) => j.setIssuedAt());
      expect((await probe(`Bearer ${token}`)).status).to.equal(401);
    });

    it('answers 401 for a token issued (iat) or valid from (nbf) beyond the clock tolerance in the future', async () => {
      const later = now() + CLOCK_TOLERANCE_SECONDS + 60;
      for (const token of [
        await hs((j) => j.setIssuedAt(later).setExpirationTime(later + 3600)),
        await hs((j) =>
          j
            .setIssuedAt()
            .setNotBefore(later)
            .setExpirationTime(later + 3600),
        ),
      ]) {
        const res = await probe(`Bearer ${token}`);
        expect(res.status).to.equal(401);
        expect(res.body.code).to.equal('unauthorized');
      }
    });

    it('accepts iat and nbf a few seconds ahead (clock skew within the tolerance)', async () => {
      const soon = now() + 5;
      const token = await hs((j) =>
        j
          .setIssuedAt(soon)
          .setNotBefore(soon)
          .setExpirationTime(soon + 3600),
      );
      expect((await probe(`Bearer ${token}`)).status).to.equal(404);
    });
  });

  describe('email claim', () => {
    const verify = () => createTokenVerifier({ jwtSecret: secret() });
    const withEmail = (email: string) => signToken(secret(), { sub: 'alice', role: 'client', email });

    it('keeps a single valid address', async () => {
      expect((await verify()(await withEmail('alice@example.com'))).email).to.equal('alice@example.com');
    });

    for (const email of ['a@x.test, victim@y.org', 'a@x.test victim@y.org', 'Alice <victim@y.org>', 'a@x.test;victim@y.org', 'not-an-address']) {
      it(`ignores an email claim that is not one address: ${JSON.stringify(email)}`, async () => {
        const principal = await verify()(await withEmail(email));
        expect(principal.sub).to.equal('alice');
        expect(principal).to.not.have.property('email');
      });
    }

    it('answers 401 for an email claim with a line break', async () => {
      const token = await withEmail('a@x.test\r\nBcc: victim@y.org');
      expect((await probe(`Bearer ${token}`)).status).to.equal(401);
    });

    it('books without a contact email, so no confirmation goes to the listed victim', async () => {
      const db = testPool(system.databaseUrl, 1);
      try {
        const pro = await givenProfessional(system);
        const token = await system.token('client', uniqueId('c'), { email: 'a@x.test, victim@y.org' });
        const res = await book(system.command!.app, token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const { rows } = await db.query(`SELECT contact_email FROM bookings WHERE id = $1`, [res.body.id]);
        expect(rows[0].contact_email).to.equal(null);
      } finally {
        await db.end();
      }
    });
  });
});
