/**
 * What the site's Content-Security-Policy adds to Astro's (`security.csp` pins scripts and styles to the hashes of
 * the site's own code): fetches to this origin only (the API is behind /api), no plugins, no foreign base URL or
 * form target, no framing.
 */
const POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** Sets the security headers on an answer of the site, extending the CSP Astro already wrote for a page. */
export function withSecurityHeaders(headers: Headers): void {
  const astro = headers.get('content-security-policy')?.trim().replace(/;$/, '');
  headers.set('content-security-policy', astro ? `${astro}; ${POLICY}` : POLICY);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
}
