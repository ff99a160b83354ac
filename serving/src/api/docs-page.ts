import { OPERATIONS, openApiDocument } from './openapi.ts';

const html = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  multipleOf?: number;
}

/** "integer 1..100", "string, one of all | trending", "array of integer, 1..50 items" … */
function describeType(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(describeType).join(' or ');
  if (schema.enum) return `one of ${schema.enum.map(String).join(' | ')}`;
  const range = (lo?: number, hi?: number) =>
    lo !== undefined && hi !== undefined
      ? `${lo}..${hi}`
      : lo !== undefined
        ? `≥ ${lo}`
        : hi !== undefined
          ? `≤ ${hi}`
          : '';
  switch (schema.type) {
    case 'array': {
      const items = range(schema.minItems, schema.maxItems);
      return `array of ${schema.items ? describeType(schema.items) : 'values'}${items ? `, ${items} items` : ''}`;
    }
    case 'integer':
    case 'number': {
      const r = range(schema.minimum, schema.maximum);
      const step = schema.multipleOf ? `, steps of ${schema.multipleOf}` : '';
      return `${schema.type}${r ? ` ${r}` : ''}${step}`;
    }
    case 'string':
      return schema.format ? `string (${schema.format})` : schema.pattern ? 'string (digits)' : 'string';
    default:
      return schema.type ?? 'any';
  }
}

function fieldTable(fields: { name: string; schema: JsonSchema; required: boolean }[]): string {
  const rows = fields
    .map(({ name, schema, required }) => {
      const meaning = (schema.description ?? '').replace(/[^.]$/, '$&.');
      const fallback = schema.default !== undefined ? ` Default ${JSON.stringify(schema.default)}.` : '';
      return `<tr><td><code>${html(name)}</code></td><td>${html(describeType(schema))}</td><td>${required ? 'yes' : ''}</td><td>${html(meaning + fallback)}</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function bodyFields(schema: JsonSchema): string {
  const object = schema.anyOf?.find((s) => s.properties) ?? schema;
  const note = schema.anyOf ? '<p>One object, or an array of them (a batch).</p>' : '';
  const required = new Set(object.required ?? []);
  const fields = Object.entries(object.properties ?? {}).map(([name, s]) => ({
    name,
    schema: s,
    required: required.has(name),
  }));
  return note + fieldTable(fields);
}

/** A self-contained HTML page (no scripts, no network) that reads the OpenAPI document to a person. */
export function docsPage(): string {
  const doc = openApiDocument();
  const sections = OPERATIONS.map((op) => {
    const spec = doc.paths[op.path][op.method] as {
      parameters: { name: string; required: boolean; description?: string; schema: JsonSchema }[];
      requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
      responses: Record<string, { description: string; content: Record<string, { schema: unknown }> }>;
    };
    const params = spec.parameters.length
      ? `<h4>Parameters</h4>${fieldTable(
          spec.parameters.map((p) => ({
            name: p.name,
            schema: { ...p.schema, description: p.description },
            required: p.required,
          })),
        )}`
      : '';
    const body = spec.requestBody
      ? `<h4>Request body</h4>${bodyFields(spec.requestBody.content['application/json'].schema)}`
      : '';
    const example = op.example
      ? `<h4>Example</h4><pre>${html(
          op.example.body !== undefined
            ? `curl -X POST $API${op.path} -H 'content-type: application/json' \\\n  -d '${JSON.stringify(op.example.body)}'`
            : `curl $API${op.example.path}`,
        )}</pre>`
      : '';
    const responses = Object.entries(spec.responses)
      .map(([status, r]) => `<li><b>${status}</b> ${html(r.description)}</li>`)
      .join('');
    const okSchema = Object.values(spec.responses)[0].content['application/json']?.schema;
    return `<section id="${html(op.method + op.path)}">
<h3><span class="m">${op.method.toUpperCase()}</span> <code>${html(op.path)}</code> — ${html(op.summary)}</h3>
<p>${html(op.description)}</p>${params}${body}${example}
<h4>Responses</h4><ul>${responses}</ul>
${okSchema ? `<details><summary>Response schema (JSON Schema)</summary><pre>${html(JSON.stringify(okSchema, null, 2))}</pre></details>` : ''}
</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f5f5f5;padding:.75rem;overflow:auto;font-size:13px;white-space:pre-wrap}section{border-top:1px solid #ddd;padding-top:.5rem}
.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px;font-size:13px}code{font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #e5e5e5;padding:.3rem .5rem;text-align:left;vertical-align:top}</style></head>
<body><h1>${html(doc.info.title)}</h1><p>${html(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Request bodies are strict: an unknown field is a 400.
Headers: <code>X-Request-Id</code> (yours, or one is made; echoed back and logged) and <code>X-As-Of</code> (the event time a
simulator replays at, Unix seconds or ISO-8601; logged as <code>as_of</code>). Errors look like:</p>
<pre>{"error": {"code": "unknown_movie", "message": "movie 99999 is not in the catalogue …", "request_id": "…", "details": {…}}}</pre>
<nav><ul>${OPERATIONS.map((op) => `<li><a href="#${html(op.method + op.path)}">${op.method.toUpperCase()} ${html(op.path)}</a> — ${html(op.summary)}</li>`).join('')}</ul></nav>
${sections}
</body></html>`;
}
