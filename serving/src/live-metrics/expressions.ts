import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface NamedExpression {
  where: string;
  expr: string;
}

interface DashboardPanel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: DashboardPanel[];
}

/** Every PromQL expression of the Grafana dashboards in `dir` (rows' nested panels included). */
export function dashboardExpressions(dir: string): NamedExpression[] {
  const found: NamedExpression[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { panels: DashboardPanel[] };
    const visit = (panels: DashboardPanel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) found.push({ where: `${name}: ${panel.title}`, expr: target.expr });
        }
        visit(panel.panels ?? []);
      }
    };
    visit(dashboard.panels);
  }
  return found;
}

/** The `expr:` of every rule in a Prometheus rule file (plain or `|` block scalars, as our files write them). */
export function ruleExpressions(file: string): NamedExpression[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: NamedExpression[] = [];
  let alert = '?';
  for (let i = 0; i < lines.length; i++) {
    const named = /^\s*-\s*(?:alert|record):\s*(\S+)/.exec(lines[i]);
    if (named) alert = named[1];
    const match = /^(\s*)expr:\s*(.*)$/.exec(lines[i]);
    if (!match) continue;
    if (match[2] !== '|' && match[2] !== '>') {
      found.push({ where: `${path.basename(file)}: ${alert}`, expr: match[2] });
      continue;
    }
    const block: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > match[1].length)) {
      block.push(lines[++i].trim());
    }
    found.push({ where: `${path.basename(file)}: ${alert}`, expr: block.join(' ').trim() });
  }
  return found;
}

/** Grafana's variables replaced by what Prometheus accepts, as Grafana would at query time. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{datasource\}/g, 'prometheus');
}

/** The recsys_* metric names an expression reads (histogram series suffixes included as written). */
export function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\brecsys_[a-z0-9_]+\b/g) ?? [])];
}
