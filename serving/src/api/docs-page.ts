import { OPERATIONS, openApiDocument } from './openapi.ts';

const html = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** A self-contained HTML page (no scripts, no network) that reads the OpenAPI document to a person. */
export function docsPage(): string {
  const doc = openApiDocument();
  const sections = OPERATIONS.map((op) => {
    const spec = doc.paths[op.path][op.method] as {
      parameters: { name: string; required: boolean; description?: string; schema: unknown }[];
      requestBody?: { content: { 'application/json': { schema: unknown } } };
      responses: Record<string, { description: string; content: Record<string, { schema: unknown }> }>;
    };
    const params = spec.parameters.length
      ? `<h4>Parameters</h4><ul>${spec.parameters
          .map(
            (p) =>
              `<li><code>${html(p.name)}</code>${p.required ? ' (required)' : ''} ${html(p.description ?? '')} <code>${html(JSON.stringify(p.schema))}</code></li>`,
          )
          .join('')}</ul>`
      : '';
    const body = spec.requestBody
      ? `<h4>Request body</h4><pre>${html(JSON.stringify(spec.requestBody.content['application/json'].schema, null, 2))}</pre>`
      : '';
    const responses = Object.entries(spec.responses)
      .map(([status, r]) => `<li><b>${status}</b> ${html(r.description)}</li>`)
      .join('');
    const okSchema = Object.values(spec.responses)[0].content['application/json']?.schema;
    return `<section id="${html(op.method + op.path)}">
<h3><span class="m">${op.method.toUpperCase()}</span> <code>${html(op.path)}</code> — ${html(op.summary)}</h3>
<p>${html(op.description)}</p>${params}${body}
<h4>Responses</h4><ul>${responses}</ul>
${okSchema ? `<details><summary>Response schema</summary><pre>${html(JSON.stringify(okSchema, null, 2))}</pre></details>` : ''}
</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f5f5f5;padding:.75rem;overflow:auto;font-size:13px}section{border-top:1px solid #ddd;padding-top:.5rem}
.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px;font-size:13px}code{font-size:13px}</style></head>
<body><h1>${html(doc.info.title)}</h1><p>${html(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors look like:</p>
<pre>{"error": {"code": "unknown_movie", "message": "movie 99999 is not in the catalogue …", "request_id": "…", "details": {…}}}</pre>
<nav><ul>${OPERATIONS.map((op) => `<li><a href="#${html(op.method + op.path)}">${op.method.toUpperCase()} ${html(op.path)}</a></li>`).join('')}</ul></nav>
${sections}
</body></html>`;
}
