import { readFileSync } from 'node:fs';
import { GATE_USERS, type PromotionDecision } from '@recsys/core/promotion/gate';
import { type PromotionPolicy, PromotionPolicySchema } from '@recsys/core/promotion/policy';
import { promote } from '@recsys/trainer/promotion/promote';
import { DEFAULT_MODEL_NAME } from '@recsys/trainer/train/train';
import type { Command } from 'commander';
import { printJson, runName } from '../options.ts';
import { recordRunStep } from '../run-step.ts';

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
    .option('--policy-json <json>', 'the same policy inline (as the operator passes it to a gate Job)')
    .option('--dry-run', 'decide and print, but move no stage', false)
    .option('--run <name>', 'with --dry-run: record the decision in <store>/<model>/runs/<name>/gate.json', runName)
    .option('--termination-log <file>', "with --run: one line for Kubernetes' termination message")
    .option('--json', 'print the decision as JSON on stdout', false)
    .action(
      async (options: {
        store: string;
        version: string;
        model: string;
        data?: string;
        policy?: string;
        policyJson?: string;
        dryRun: boolean;
        run?: string;
        terminationLog?: string;
        json: boolean;
      }) => {
        if (options.run && !options.dryRun)
          throw new Error('--run records a gate whose decision the runtime applies: add --dry-run');
        const target = options.run
          ? { store: options.store, model: options.model, run: options.run, terminationLog: options.terminationLog }
          : undefined;
        const { decision, applied, tracking_error } = await recordRunStep(
          target,
          'gate',
          () =>
            promote({
              store: options.store,
              modelName: options.model,
              version: options.version,
              data: options.data,
              policy: policyOf(options),
              dryRun: options.dryRun,
              onProgress: (message) => process.stderr.write(`${message}\n`),
            }),
          (result) => ({ step: 'gate', decision: result.decision }),
        );
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
            min_confidence: decision.min_confidence,
            min_users: decision.min_users,
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

/** A partial policy is merged over the defaults (the statement's); either flag is parsed with the policy schema. */
function policyOf(options: { policy?: string; policyJson?: string }): PromotionPolicy | undefined {
  if (options.policy && options.policyJson) throw new Error('give --policy <file> or --policy-json <json>, not both');
  if (options.policyJson !== undefined) return parsePolicy('--policy-json', () => options.policyJson as string);
  if (options.policy !== undefined)
    return parsePolicy(`--policy ${options.policy}`, () => readFileSync(options.policy as string, 'utf8'));
  return undefined;
}

function parsePolicy(flag: string, read: () => string): PromotionPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(read());
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}; expected a JSON object`);
  }
  const parsed = PromotionPolicySchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `${flag}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function decisionTable(decision: PromotionDecision, applied: boolean): string {
  const header = ['metric', 'candidate', 'production', 'change', 'rule', 'result'];
  const rows = decision.metrics.map((m) => [
    m.name,
    m.name === GATE_USERS ? String(m.candidate) : m.candidate.toFixed(4),
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
      `${decision.ci.metric} difference ${decision.ci.difference.toFixed(4)}, paired bootstrap ${+(decision.ci.level * 100).toFixed(1)}% CI [${lo.toFixed(4)}, ${hi.toFixed(4)}]`,
    );
  }
  lines.push(applied ? '' : '(dry run: no stage moved)');
  return `${lines.join('\n')}\n`;
}
