import { describe, expect, it } from 'vitest';
import { FIRST_VISITOR_ID, signSession, verifySession } from './session.ts';

describe('the visitor session cookie', () => {
  const secret = Buffer.from('a secret only the site knows');

  it('vouches for the user id it was signed for, and for nothing else', () => {
    const value = signSession(1_500_000_000, secret);
    expect(verifySession(value, secret)).toBe(1_500_000_000);
    const [format, id, mac] = value.split('.');
    expect(verifySession(`${format}.${Number(id) + 1}.${mac}`, secret)).toBeNull();
    expect(verifySession(value, Buffer.from('another secret'))).toBeNull();
    expect(verifySession(`${format}.1.${mac}`, secret)).toBeNull();
    for (const bad of [undefined, '', 'v1.1', 'v1.1.x', `v2.${id}.${mac}`, `${value}x`]) {
      expect(verifySession(bad, secret)).toBeNull();
    }
  });

  it('gives a new visitor an id above every MovieLens user', async () => {
    process.env.RECSYS_SESSION_SECRET = 'test secret';
    const { visitorFrom } = await import('./session.ts');
    const fresh = visitorFrom(undefined);
    expect(fresh.returning).toBe(false);
    expect(fresh.userId).toBeGreaterThanOrEqual(FIRST_VISITOR_ID);
    expect(visitorFrom(signSession(fresh.userId))).toEqual({ userId: fresh.userId, returning: true });
  });
});
