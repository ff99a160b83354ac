/**
 * The URL block `recsys up` (and so `make start`) prints once the API serves a model and the site answers; the
 * README shows the same block with the default ports (a test compares them).
 */
export function urlBlock(apiPort: number, sitePort: number | null): string[] {
  return [
    `  API   http://127.0.0.1:${apiPort}   (docs: /docs, metrics: /metrics)`,
    ...(sitePort === null ? [] : [`  site  http://127.0.0.1:${sitePort}`]),
  ];
}
