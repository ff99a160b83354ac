/** Inline SVG charts for the report: no script, no font or style from the network, readable as plain markup. */

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 56, right: 16, top: 24, bottom: 36 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

function frame(title: string, xLabels: readonly string[], yMax: number, yUnit: string, body: string): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = PAD.top + plotH * (1 - f);
      const label = Number((yMax * f).toPrecision(3));
      return `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${label}</text>`;
    })
    .join('');
  const every = Math.max(1, Math.ceil(xLabels.length / 6));
  const xs = xLabels
    .map((label, i) =>
      i % every === 0
        ? `<text x="${PAD.left + (plotW * (i + 0.5)) / xLabels.length}" y="${HEIGHT - 12}" text-anchor="middle" font-size="11">${escapeXml(label)}</text>`
        : '',
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif"><title>${escapeXml(title)}</title><text x="${PAD.left}" y="15" font-size="13" font-weight="bold">${escapeXml(title)}${yUnit ? ` (${escapeXml(yUnit)})` : ''}</text>${ticks}${body}${xs}<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${HEIGHT - PAD.bottom}" y2="${HEIGHT - PAD.bottom}" stroke="#333"/></svg>`;
}

/** One bar per bucket. */
export function barChart(title: string, xLabels: readonly string[], values: readonly number[], yUnit = ''): string {
  const yMax = niceMax(Math.max(0, ...values));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const w = plotW / Math.max(1, values.length);
  const bars = values
    .map((v, i) => {
      const h = (plotH * v) / yMax;
      return `<rect class="bar" x="${(PAD.left + i * w + w * 0.1).toFixed(2)}" y="${(PAD.top + plotH - h).toFixed(2)}" width="${(w * 0.8).toFixed(2)}" height="${h.toFixed(2)}" fill="${COLOURS[0]}"><title>${escapeXml(xLabels[i] ?? '')}: ${v}</title></rect>`;
    })
    .join('');
  return frame(title, xLabels, yMax, yUnit, bars);
}

export interface Series {
  name: string;
  /** One value per bucket; null where the series has no data. */
  values: readonly (number | null)[];
}

/** One polyline per series (gaps where a value is null), with a legend. */
export function lineChart(title: string, xLabels: readonly string[], series: readonly Series[], yUnit = ''): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yMax = niceMax(Math.max(0, ...all));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (plotW * (i + 0.5)) / Math.max(1, xLabels.length);
  const y = (v: number) => PAD.top + plotH * (1 - v / yMax);
  const lines = series
    .map((s, n) => {
      const colour = COLOURS[n % COLOURS.length];
      const runs: string[] = [];
      let run: string[] = [];
      s.values.forEach((v, i) => {
        if (v === null) {
          if (run.length) runs.push(run.join(' '));
          run = [];
        } else run.push(`${x(i).toFixed(2)},${y(v).toFixed(2)}`);
      });
      if (run.length) runs.push(run.join(' '));
      const paths = runs
        .map((points) =>
          points.includes(' ')
            ? `<polyline class="series" points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>`
            : `<circle class="series" cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="2.5" fill="${colour}"/>`,
        )
        .join('');
      const legend = `<rect x="${WIDTH - PAD.right - 190}" y="${PAD.top + 4 + n * 15}" width="10" height="10" fill="${colour}"/><text x="${WIDTH - PAD.right - 175}" y="${PAD.top + 13 + n * 15}" font-size="11">${escapeXml(s.name)}</text>`;
      return paths + legend;
    })
    .join('');
  return frame(title, xLabels, yMax, yUnit, lines);
}
