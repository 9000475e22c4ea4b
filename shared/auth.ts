import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { RequestHandler } from 'express';
import { HttpProblem, problem } from './errors.ts';
import { hasControlCharacter, Joi } from './validation.ts';

export type Role = 'client' | 'professional' | 'admin';
export const ROLES: readonly Role[] = ['client', 'professional', 'admin'];

export interface Principal {
  sub: string;
  role: Role;
  email?: string;
  professionalId?: string;
}

export interface AuthConfig {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export type VerifyToken = (token: string) => Promise<Principal>;

class InvalidToken extends Error {}

/** How far the issuer's clock may run ahead of ours (nbf, iat) or behind (exp). */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** One mailbox, nothing else: a list, a display name or a header line would add recipients to our emails. */
const SINGLE_ADDRESS = Joi.string()
  .max(254)
  .email({ tlds: { allow: false }, multiple: false });
const singleAddress = (value: unknown): string | undefined => (typeof value === 'string' && !SINGLE_ADDRESS.validate(value).error ? value : undefined);

/** HS256 with a shared secret, or any asymmetric algorithm published at a JWKS URL; never `none`. */
export function createTokenVerifier(config: AuthConfig): VerifyToken {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : undefined;
  if (!secret && !jwks) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL is required');
  const options = {
    // A token that never expires cannot be revoked by waiting; one issued in the future is forged or from a broken clock.
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };
  return async (token) => {
    const { payload } = jwks
      ? await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] })
      : await jwtVerify(token, secret!, { ...options, algorithms: ['HS256'] });
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) throw new InvalidToken('iat in the future');
    const role = payload.role;
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidToken('sub claim missing');
    // A NUL or a line break in a claim never comes from an honest issuer, and would reach SQL and emails.
    for (const claim of ['sub', 'email', 'professional_id'] as const) {
      const value = payload[claim];
      if (typeof value === 'string' && hasControlCharacter(value)) throw new InvalidToken(`${claim} claim has control characters`);
    }
    if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new InvalidToken('role claim missing or unknown');
    const professionalId = typeof payload.professional_id === 'string' ? payload.professional_id : undefined;
    const email = singleAddress(payload.email);
    return {
      sub: payload.sub,
      role: role as Role,
      ...(email ? { email } : {}),
      ...(professionalId ? { professionalId } : role === 'professional' ? { professionalId: payload.sub } : {}),
    };
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const unauthorized = (detail: string) => new HttpProblem({ ...problem(401, 'unauthorized', detail), headers: { 'WWW-Authenticate': 'Bearer' } });

/** Requires a valid bearer token and, when roles are given, one of them. */
export function requireAuth(verify: VerifyToken, roles?: readonly Role[]): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*\.[A-Za-z0-9\-_=]*)\s*$/i.exec(header) : null;
    if (!header) return next(unauthorized('A bearer token is required.'));
    if (!match) return next(unauthorized('The Authorization header must be "Bearer <jwt>".'));
    try {
      req.principal = await verify(match[1]!);
    } catch {
      return next(unauthorized('The token is invalid or expired.'));
    }
    if (roles && !roles.includes(req.principal.role)) {
      return next(new HttpProblem(problem(403, 'forbidden', `This action needs one of the roles: ${roles.join(', ')}.`)));
    }
    next();
  };
}

/** Development and test tokens signed with the HS256 secret. */
export async function signToken(
  secret: string,
  claims: { sub: string; role: Role; email?: string; professional_id?: string },
  expiresIn: string | number = '30d',
): Promise<string> {
  return new SignJWT({
    role: claims.role,
    ...(claims.email ? { email: claims.email } : {}),
    ...(claims.professional_id ? { professional_id: claims.professional_id } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
