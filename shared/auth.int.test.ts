import { expect } from 'chai';
import http from 'node:http';
import request from 'supertest';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { createTokenVerifier, signToken } from './auth.ts';

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
});
