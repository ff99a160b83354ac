import type { APIRoute } from 'astro';
import { proxy } from '../../lib/proxy.ts';

/** Same-origin `/api/*` → the serving API named by RECSYS_API_URL at run time; the browser needs no CORS. */
export const ALL: APIRoute = ({ request, params, url, locals }) =>
  proxy(request, `/${params.path ?? ''}`, url.search, undefined, locals.visitor);
