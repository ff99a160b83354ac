import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The visitor's session: a signed, HttpOnly cookie that binds a browser to ONE user id. The site posts
 * interactions only for that id (the proxy adds the API key server-side), so a visitor can like movies for
 * themselves and for nobody else. `?user=N` pages stay readable for any N.
 */
export const SESSION_COOKIE = 'recsys_session';
const FORMAT = 'v1';
/** A year: the id is the visitor's identity for their likes, so it outlives a browser restart. */
export const SESSION_MAX_AGE_SECONDS = 365 * 24 * 3600;
/** New visitors get ids far above any MovieLens user id (ML-32M's largest is about 200,000). */
export const FIRST_VISITOR_ID = 1_000_000_000;
const LAST_VISITOR_ID = 2 ** 31 - 1;

export interface Visitor {
  userId: number;
  /** False when this request brought no valid cookie: the id was just made and the cookie is being set. */
  returning: boolean;
}

let processSecret: Buffer | undefined;

/**
 * The signing secret: RECSYS_SESSION_SECRET (recsys up and the chart set it), else one made for this process, so
 * sessions then end when the site restarts (said once on stderr).
 */
export function sessionSecret(): Buffer {
  const configured = process.env.RECSYS_SESSION_SECRET;
  if (configured) return Buffer.from(configured);
  if (!processSecret) {
    processSecret = randomBytes(32);
    console.error('site: RECSYS_SESSION_SECRET is not set; visitor sessions last until the site restarts');
  }
  return processSecret;
}

function signature(userId: number, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${FORMAT}.${userId}`).digest();
}

/** The cookie value for `userId`: `v1.<id>.<HMAC-SHA256, base64url>`. */
export function signSession(userId: number, secret: Buffer = sessionSecret()): string {
  return `${FORMAT}.${userId}.${signature(userId, secret).toString('base64url')}`;
}

/** The user id a cookie value vouches for, or null when it is missing, malformed or not signed by `secret`. */
export function verifySession(value: string | undefined, secret: Buffer = sessionSecret()): number | null {
  const match = /^v1\.([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) return null;
  const userId = Number(match[1]);
  if (userId > LAST_VISITOR_ID) return null;
  const given = Buffer.from(match[2], 'base64url');
  return given.length === 32 && timingSafeEqual(given, signature(userId, secret)) ? userId : null;
}

/** The visitor a request belongs to: the cookie's id when it verifies, else a fresh id. */
export function visitorFrom(cookieValue: string | undefined): Visitor {
  const userId = verifySession(cookieValue);
  return userId === null
    ? { userId: randomInt(FIRST_VISITOR_ID, LAST_VISITOR_ID), returning: false }
    : { userId, returning: true };
}
