import type { FamilyReport } from './train.ts';

/**
 * The README's results table: per family, the configuration chosen on validation, accuracy on test with the
 * bootstrap CIs of PROTOCOL.md step 8, and the beyond-accuracy metrics of step 10 beside it (test lists: the
 * refit knowing users by train + validation).
 */
export function resultsTable(models: Readonly<Record<string, FamilyReport>>, best: string): string {
  const header = [
    'family',
    'chosen on validation',
    'val NDCG@10',
    'val Jaccard',
    'test NDCG@10',
    'Recall@20',
    'HR@10',
    'MRR',
    'cov@100',
    'Jaccard',
    'personalisation',
    'same-#1',
    'distinct@10',
    'novelty',
    'genre div.',
    'cold NDCG@10',
  ];
  const rows = Object.entries(models).map(([name, m]) => {
    const v = m.validation;
    const t = m.test;
    const label = `${name === best ? `**${name}** (picked)` : name}${m.eligible ? '' : ' (not eligible)'}`;
    const bold = (text: string) => (name === best ? `**${text}**` : text);
    return [
      label,
      params(m.params),
      fixed(v['ndcg@10'], 4),
      fixed(v['jaccard@10'], 3),
      `${bold(fixed(t['ndcg@10'], 4))} ${ci(t.ci['ndcg@10'])}`,
      `${fixed(t['recall@20'], 4)} ${ci(t.ci['recall@20'])}`,
      fixed(t['hit_rate@10'], 3),
      fixed(t.mrr, 3),
      fixed(t['coverage@100'], 3),
      bold(fixed(t['jaccard@10'], 3)),
      fixed(t['personalisation@10'], 3),
      fixed(t.same_first_share, 2),
      String(t['distinct@10']),
      fixed(t['novelty@10'], 2),
      fixed(t['genre_diversity@10'], 3),
      m.cold ? fixed(m.cold['ndcg@10'], 3) : '—',
    ];
  });
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function params(values: FamilyReport['params']): string {
  return Object.entries(values)
    .filter(([name]) => name !== 'seed' && name !== 'iterations')
    .map(([name, value]) => `${name.replace(/_/g, ' ')} ${value}`)
    .join(', ');
}

function fixed(value: unknown, digits: number): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function ci(interval: [number, number]): string {
  return `[${interval[0].toFixed(3)}, ${interval[1].toFixed(3)}]`;
}
