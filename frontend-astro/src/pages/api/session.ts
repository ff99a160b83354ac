import type { APIRoute } from 'astro';

/** `GET /api/session`: the user id this browser's session posts interactions for (`{"user_id": N}`). */
export const GET: APIRoute = ({ locals }) =>
  Response.json({ user_id: locals.visitor.userId }, { headers: { 'cache-control': 'no-store' } });
