import { readFileSync } from 'node:fs';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import { PromotionPolicySchema } from '@recsys/core/promotion/policy';
import { promote } from '@recsys/trainer/promotion/promote';
import { DEFAULT_MODEL_NAME } from '@recsys/trainer/train/train';
import type { Command } from 'commander';
import { printJson } from '../options.ts';

/** `recsys promote`: the leak-free gate between a candidate and Production, then the stage moves. */
export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description(
      'Score a candidate (its train-only fit) and Production on the validation interactions after both fit cutoffs, ' +
        'apply the promotion policy, and move stages (None → Staging → Production, or Archived) unless --dry-run.',
    )
    .requiredOption('--store <dir>', 'the artifact store')
    .requiredOption('--version <v>', 'the candidate version (recsys models list)')
    .option('--model <name>', 'the model name in the store', DEFAULT_MODEL_NAME)
    .option(
      '--data <dir>',
      'the prepared dataset holding the gate window (default: the one the candidate was trained on)',
    )
    .option(
      '--policy <file>',
      'a JSON promotion policy (camelCase fields of a RecModel spec.promotion); default: the statement’s',
    )
    .option('--dry-run', 'decide and print, but move no stage', false)
    .option('--json', 'print the decision as JSON on stdout', false)
    .action(
      async (options: {
        store: string;
        version: string;
        model: string;
        data?: string;
        policy?: string;
        dryRun: boolean;
        json: boolean;
      }) => {
        const policy = options.policy ? readPolicy(options.policy) : undefined;
        const { decision, applied, tracking_error } = await promote({
          store: options.store,
          modelName: options.model,
          version: options.version,
          data: options.data,
          policy,
          dryRun: options.dryRun,
        });
        if (options.json) {
          printJson({
            verdict: decision.verdict,
            summary: decision.summary,
            metrics: decision.metrics,
            ci: decision.ci,
            gate_window: decision.gate_window,
            candidate_version: decision.candidate_version,
            production_version: decision.production_version,
            failed_rules: decision.failed_rules,
            applied,
            tracking_error,
          });
          return;
        }
        if (tracking_error)
          process.stderr.write(`recsys: the tracker did not take the stage moves: ${tracking_error}\n`);
        process.stdout.write(decisionTable(decision, applied));
      },
    );
}

function readPolicy(file: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--policy ${file}: ${(err as Error).message}; expected a JSON object`);
  }
  const parsed = PromotionPolicySchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `--policy ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function decisionTable(decision: PromotionDecision, applied: boolean): string {
  const header = ['metric', 'candidate', 'production', 'change', 'rule', 'result'];
  const rows = decision.metrics.map((m) => [
    m.name,
    m.candidate.toFixed(4),
    m.production === null ? '—' : m.production.toFixed(4),
    m.relative_change === null ? '—' : `${m.relative_change >= 0 ? '+' : ''}${(m.relative_change * 100).toFixed(2)}%`,
    m.rule,
    m.passed ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const w = decision.gate_window;
  const lines = [
    `${decision.verdict.toUpperCase()}: ${decision.summary}`,
    `gate window: ${w.interactions} interactions of ${w.users} users, ${w.from} → ${w.to}`,
    '',
    format(header),
    ...rows.map(format),
  ];
  if (decision.ci) {
    const [lo, hi] = decision.ci.interval;
    lines.push(
      '',
      `${decision.ci.metric} difference ${decision.ci.difference.toFixed(4)}, paired bootstrap 95% CI [${lo.toFixed(4)}, ${hi.toFixed(4)}]`,
    );
  }
  lines.push(applied ? '' : '(dry run: no stage moved)');
  return `${lines.join('\n')}\n`;
}
