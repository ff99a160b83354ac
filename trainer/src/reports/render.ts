import type { DailyReport } from './report.ts';
import { barChart, escapeXml, lineChart } from './svg.ts';

const pct = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(1)}%`);
const ms = (value: number) => value.toFixed(2);

function bucketLabels(report: DailyReport): string[] {
  const multiDay = Date.parse(report.until) - Date.parse(report.since) > 86_400_000;
  return report.timeline.map((b) => (multiDay ? b.start.slice(5, 16).replace('T', ' ') : b.start.slice(11, 16)));
}

function endpointsOf(report: DailyReport): string[] {
  return [...new Set(report.timeline.flatMap((b) => Object.keys(b.p95_ms)))].sort();
}

/** The charts as inline SVG: requests per bucket and p95 latency per endpoint over time. */
export function reportCharts(report: DailyReport): string[] {
  const labels = bucketLabels(report);
  const minutes = Math.round(report.bucket_ms / 60_000);
  return [
    barChart(
      `Requests per ${minutes} min`,
      labels,
      report.timeline.map((b) => b.requests),
    ),
    lineChart(
      'p95 latency per endpoint',
      labels,
      endpointsOf(report).map((endpoint) => ({
        name: endpoint,
        values: report.timeline.map((b) => b.p95_ms[endpoint] ?? null),
      })),
      'ms',
    ),
  ];
}

function tables(report: DailyReport): { headers: string[]; rows: string[][]; title: string }[] {
  return [
    {
      title: 'Endpoints',
      headers: ['endpoint', 'requests', '4xx', '5xx', 'fallbacks', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      rows: report.endpoints.map((e) => [
        e.endpoint,
        String(e.requests),
        String(e.errors_4xx),
        String(e.errors_5xx),
        String(e.fallbacks),
        ms(e.latency_ms.mean),
        ms(e.latency_ms.p50),
        ms(e.latency_ms.p95),
        ms(e.latency_ms.p99),
        ms(e.latency_ms.max),
      ]),
    },
    {
      title: 'Model versions',
      headers: [
        'model version',
        'requests',
        'users',
        '/recommend answers',
        'fallback rate',
        'movies recommended',
        'p95 ms',
      ],
      rows: report.model_versions.map((v) => [
        v.model_version,
        String(v.requests),
        String(v.users),
        String(v.recommend_requests),
        pct(v.fallback_rate),
        String(v.recommended_movies),
        ms(v.latency_ms.p95),
      ]),
    },
  ];
}

function headline(report: DailyReport): [string, string][] {
  return [
    ['Period', `${report.since} → ${report.until}`],
    ['Requests', String(report.requests)],
    ['Unique users', String(report.unique_users)],
    ['Fallback rate (/recommend)', pct(report.fallback_rate)],
    [
      'Catalogue coverage',
      `${report.coverage.recommended_movies} movies recommended${report.coverage.catalogue_movies ? ` of ${report.coverage.catalogue_movies} (${pct(report.coverage.ratio)})` : ''}`,
    ],
  ];
}

/** A self-contained HTML page: inline CSS and SVG, no script, nothing fetched. */
export function renderHtml(report: DailyReport): string {
  const head = headline(report)
    .map(([k, v]) => `<tr><th scope="row">${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('');
  const body = tables(report)
    .map(
      (t) =>
        `<h2>${escapeXml(t.title)}</h2><table><thead><tr>${t.headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
          .map((r) => `<tr>${r.map((c, i) => `<td${i ? ' class="num"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recsys daily report ${escapeXml(report.until.slice(0, 10))}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>body{font-family:sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.num{text-align:right}svg{display:block;margin:1rem 0;max-width:100%;height:auto}</style>
</head><body>
<h1>recsys daily report</h1>
<table class="headline">${head}</table>
${reportCharts(report).join('\n')}
${body}
</body></html>
`;
}

export function renderMarkdown(report: DailyReport): string {
  const lines = ['# recsys daily report', '', ...headline(report).map(([k, v]) => `- **${k}**: ${v}`), ''];
  for (const t of tables(report)) {
    lines.push(`## ${t.title}`, '', `| ${t.headers.join(' | ')} |`, `| ${t.headers.map(() => '---').join(' | ')} |`);
    for (const r of t.rows) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  }
  lines.push('## Charts', '', ...reportCharts(report).map((svg) => `${svg}\n`));
  return `${lines.join('\n')}\n`;
}
