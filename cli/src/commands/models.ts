import { Registry } from '@recsys/trainer/registry/registry';
import type { Command } from 'commander';
import { printJson } from '../options.ts';
import { decisionTable } from './promote.ts';

/** `recsys models list` and `recsys models history`: the store's registry. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('The model registry of a store: versions, stages, decisions.');

  models
    .command('list')
    .description('Every registered version with its stage, type, fit cutoff and validation/test NDCG@10.')
    .requiredOption('--store <dir>', 'the artifact store')
    .option('--model <name>', 'only this model')
    .option('--json', 'print JSON on stdout', false)
    .action((options: { store: string; model?: string; json: boolean }) => {
      const versions = withRegistry(options.store, (r) => r.list(options.model));
      if (options.json) {
        printJson({ versions });
        return;
      }
      if (versions.length === 0) {
        process.stdout.write(`no versions registered in ${options.store}; run \`recsys train\` first\n`);
        return;
      }
      const header = ['model', 'version', 'stage', 'type', 'fit cutoff', 'val ndcg@10', 'test ndcg@10'];
      const rows = versions.map((v) => [
        v.model_name,
        v.version,
        v.stage,
        v.model_type,
        v.fit_cutoff,
        fmt(v.metrics.validation['ndcg@10']),
        fmt(v.metrics.test?.['ndcg@10']),
      ]);
      process.stdout.write(table(header, rows));
    });

  models
    .command('history')
    .description('Every promotion decision, oldest first, with every metric, both values and the gate window.')
    .requiredOption('--store <dir>', 'the artifact store')
    .option('--model <name>', 'the model name', 'movies')
    .option('--json', 'print JSON on stdout', false)
    .action((options: { store: string; model: string; json: boolean }) => {
      const decisions = withRegistry(options.store, (r) => r.decisions(options.model));
      if (options.json) {
        printJson({ decisions: decisions.map((d) => ({ id: d.id, decided_at: d.decided_at, ...d.decision })) });
        return;
      }
      if (decisions.length === 0) {
        process.stdout.write(`no promotion decisions for ${options.model} yet\n`);
        return;
      }
      for (const d of decisions) process.stdout.write(`#${d.id} ${d.decided_at}\n${decisionTable(d.decision, true)}\n`);
    });
}

function withRegistry<T>(store: string, use: (registry: Registry) => T): T {
  const registry = Registry.open(store);
  try {
    return use(registry);
  } finally {
    registry.close();
  }
}

const fmt = (x: number | undefined) => (typeof x === 'number' ? x.toFixed(4) : '—');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return `${[format(header), ...rows.map(format)].join('\n')}\n`;
}
