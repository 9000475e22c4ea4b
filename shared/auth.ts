import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { RequestHandler } from 'express';
import { HttpProblem, problem } from './errors.ts';

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

/** HS256 with a shared secret, or any asymmetric algorithm published at a JWKS URL; never `none`. */
export function createTokenVerifier(config: AuthConfig): VerifyToken {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : undefined;
  if (!secret && !jwks) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL is required');
  const options = {
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };
  return async (token) => {
    const { payload } = jwks
      ? await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] })
      : await jwtVerify(token, secret!, { ...options, algorithms: ['HS256'] });
    const role = payload.role;
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidToken('sub claim missing');
    if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new InvalidToken('role claim missing or unknown');
    const professionalId = typeof payload.professional_id === 'string' ? payload.professional_id : undefined;
    return {
      sub: payload.sub,
      role: role as Role,
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
      ...(professionalId ? { professionalId } : role === 'professional' ? { professionalId: payload.sub } : {}),
    };
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const unauthorized = (detail: string) =>
  new HttpProblem({ ...problem(401, 'unauthorized', detail), headers: { 'WWW-Authenticate': 'Bearer' } });

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
  return new SignJWT({ role: claims.role, ...(claims.email ? { email: claims.email } : {}), ...(claims.professional_id ? { professional_id: claims.professional_id } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
