import node from '@astrojs/node';
import preact from '@astrojs/preact';
import { defineConfig } from 'astro/config';

// Every page is rendered on request: lists come from the API named at run time (RECSYS_API_URL), not at build time.
export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  integrations: [preact()],
  server: { host: '127.0.0.1', port: 4321 },
  devToolbar: { enabled: false },
  // A Content-Security-Policy with the hashes of the site's own inline scripts and styles; src/lib/security-headers.ts adds the rest.
  security: { csp: true },
});
