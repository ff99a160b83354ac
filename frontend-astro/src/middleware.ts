import type { MiddlewareHandler } from 'astro';
import { withSecurityHeaders } from './lib/security-headers.ts';
import { SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, signSession, visitorFrom } from './lib/session.ts';

/** Every request: who the visitor is (their session cookie, or a fresh one), then the security headers. */
export const onRequest: MiddlewareHandler = async (context, next) => {
  const visitor = visitorFrom(context.cookies.get(SESSION_COOKIE)?.value);
  context.locals.visitor = visitor;
  if (!visitor.returning) {
    context.cookies.set(SESSION_COOKIE, signSession(visitor.userId), {
      httpOnly: true,
      sameSite: 'lax',
      secure: context.url.protocol === 'https:',
      path: '/',
      maxAge: SESSION_MAX_AGE_SECONDS,
    });
  }
  const response = await next();
  withSecurityHeaders(response.headers);
  return response;
};
