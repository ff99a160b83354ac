import { escapeXml } from '../reports/svg.ts';
import type { SelectionRule } from './selection.ts';
import type { FamilyReport } from './train.ts';

const WIDTH = 720;
const HEIGHT = 420;
const PAD = { left: 60, right: 190, top: 36, bottom: 48 };
const COLOURS = ['#7f7f7f', '#8c564b', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#e377c2'];

/**
 * The accuracy / personalisation frontier as an SVG scatter: every trial of every family on validation (small
 * dots), each family's choice on test (a ringed dot), the Jaccard limit of the selection rule, and the winner.
 * x = mean pairwise top-10 Jaccard (lower: lists differ more between people), y = NDCG@10.
 */
export function frontierSvg(
  title: string,
  models: Readonly<Record<string, FamilyReport>>,
  rule: SelectionRule,
  best: string,
): string {
  const families = Object.entries(models);
  const points = families.flatMap(([, m]) => [
    ...m.trials.map((t) => [t.validation['jaccard@10'], t.validation['ndcg@10']] as number[]),
    [m.test['jaccard@10'] as number, m.test['ndcg@10'] as number],
  ]);
  const xMax = ceilTo(Math.max(rule.maxJaccard * 1.5, ...points.map(([x]) => x)), 0.1);
  const yMax = ceilTo(Math.max(...points.map(([, y]) => y)), 0.05);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (v: number) => (PAD.left + (plotW * v) / xMax).toFixed(1);
  const y = (v: number) => (PAD.top + plotH * (1 - v / yMax)).toFixed(1);

  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax * i) / 5;
    const yv = (yMax * i) / 5;
    grid.push(
      `<line x1="${x(xv)}" x2="${x(xv)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#eee"/>`,
      `<text x="${x(xv)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle" font-size="11">${round(xv)}</text>`,
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(yv)}" y2="${y(yv)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${Number(y(yv)) + 4}" text-anchor="end" font-size="11">${round(yv)}</text>`,
    );
  }
  const limit = `<line x1="${x(rule.maxJaccard)}" x2="${x(rule.maxJaccard)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#333" stroke-dasharray="4 3"/><text x="${Number(x(rule.maxJaccard)) + 4}" y="${PAD.top + 12}" font-size="11">Jaccard limit ${rule.maxJaccard}</text>`;

  const marks = families.map(([name, m], n) => {
    const colour = COLOURS[n % COLOURS.length];
    const trials = m.trials
      .map(
        (t) =>
          `<circle cx="${x(t.validation['jaccard@10'] as number)}" cy="${y(t.validation['ndcg@10'] as number)}" r="2.5" fill="${colour}" fill-opacity="0.45"><title>${escapeXml(`${name} ${JSON.stringify(t.params)} (validation)`)}</title></circle>`,
      )
      .join('');
    const tx = x(m.test['jaccard@10'] as number);
    const ty = y(m.test['ndcg@10'] as number);
    const chosen = `<circle cx="${tx}" cy="${ty}" r="${name === best ? 7 : 5}" fill="${colour}" stroke="#000" stroke-width="${name === best ? 2 : 1}"><title>${escapeXml(`${name} chosen, test: NDCG@10 ${round(m.test['ndcg@10'] as number)}, Jaccard ${round(m.test['jaccard@10'] as number)}`)}</title></circle>`;
    const legendY = PAD.top + 8 + n * 18;
    const legend = `<circle cx="${WIDTH - PAD.right + 16}" cy="${legendY}" r="5" fill="${colour}" stroke="#000"/><text x="${WIDTH - PAD.right + 26}" y="${legendY + 4}" font-size="11">${escapeXml(name)}${name === best ? ' (picked)' : ''}</text>`;
    return trials + chosen + legend;
  });
  const note = `<text x="${WIDTH - PAD.right + 10}" y="${PAD.top + 20 + families.length * 18}" font-size="10" fill="#555"><tspan x="${WIDTH - PAD.right + 10}">small: every trial,</tspan><tspan x="${WIDTH - PAD.right + 10}" dy="13">on validation</tspan><tspan x="${WIDTH - PAD.right + 10}" dy="13">ringed: each family's</tspan><tspan x="${WIDTH - PAD.right + 10}" dy="13">choice, on test</tspan></text>`;
  const axes = `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle" font-size="12">mean pairwise top-10 Jaccard (lower: lists differ more between people)</text><text x="16" y="${PAD.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${PAD.top + plotH / 2})">NDCG@10</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif"><title>${escapeXml(title)}</title><rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/><text x="${PAD.left}" y="20" font-size="13" font-weight="bold">${escapeXml(title)}</text>${grid.join('')}${limit}${marks.join('')}${note}${axes}</svg>\n`;
}

function ceilTo(value: number, step: number): number {
  return Math.ceil(value / step - 1e-9) * step;
}

function round(value: number): string {
  return String(Number(value.toFixed(3)));
}
