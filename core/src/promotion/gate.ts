import { z } from 'zod';
import { DEFAULT_BOOTSTRAP, pairedBootstrap } from '../metrics/bootstrap.ts';
import type { PromotionPolicy } from './policy.ts';

/** One model scored on the gate window: aggregate metrics plus the per-user primary metric, user-aligned. */
export interface GateScore {
  version: string;
  /** ISO time of the end of the data this model was fit on. */
  fit_cutoff: string;
  metrics: Record<string, number>;
  /** Per-user values of the primary metric, in the same user order for candidate and production. */
  per_user_primary: ArrayLike<number>;
}

/** Validation interactions strictly after both models' fit cutoffs (PROTOCOL.md, "Comparing two models"). */
export const GateWindowSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    interactions: z.number().int().min(0),
    users: z.number().int().min(0),
  })
  .strict();

// JSON has no Infinity: a relative change against a Production value of 0 is written (and read back) as null.
export const MetricVerdictSchema = z
  .object({
    name: z.string().min(1),
    candidate: z.number(),
    production: z.number().nullable(),
    relative_change: z.number().nullable(),
    rule: z.string(),
    passed: z.boolean(),
  })
  .strict();

/**
 * The gate's decision with its full reasoning (R11). It crosses process boundaries (a gate's dry run → the runtime
 * that applies it, the registry, the tracker), so every reader parses it with this schema.
 */
export const PromotionDecisionSchema = z
  .object({
    verdict: z.enum(['promote', 'retain']),
    summary: z.string(),
    candidate_version: z.string().min(1),
    production_version: z.string().min(1).nullable(),
    metrics: z.array(MetricVerdictSchema),
    /** Paired bootstrap CI of the primary metric's difference (candidate − production) over users, at `level`. */
    ci: z
      .object({
        metric: z.string(),
        difference: z.number(),
        interval: z.tuple([z.number(), z.number()]),
        lower_bound: z.number(),
        // Decisions recorded before the level was configurable were all at 95%.
        level: z.number().default(DEFAULT_BOOTSTRAP.level),
      })
      .strict()
      .nullable(),
    gate_window: GateWindowSchema,
    /** The rules that decided a retain, in the order they were checked; empty on promote. */
    failed_rules: z.array(z.string()),
    /** The policy's minConfidence and minUsers as applied (null: off; decisions recorded before them have null). */
    min_confidence: z.number().nullable().default(null),
    min_users: z.number().int().nullable().default(null),
  })
  .strict();

export type GateWindow = z.infer<typeof GateWindowSchema>;
export type MetricVerdict = z.infer<typeof MetricVerdictSchema>;
export type PromotionDecision = z.infer<typeof PromotionDecisionSchema>;

// Relative changes are compared with a tolerance so that "exactly +1.0%" is not lost to floating point.
const EPSILON = 1e-9;
/** The minUsers rule's row: its candidate value is the gate window's count of evaluated users. */
export const GATE_USERS = 'gate_window.users';

/**
 * The promotion gate, pure: the candidate and the current Production model scored on the same window under
 * the same policy → a decision that lists every metric with both values, the rule and whether it passed.
 */
export function decidePromotion(
  policy: PromotionPolicy,
  candidate: GateScore,
  production: GateScore | null,
  window: GateWindow,
): PromotionDecision {
  const metricNames = [policy.primaryMetric, ...policy.secondaryMetrics.filter((m) => m !== policy.primaryMetric)];
  for (const constraint of policy.constraints)
    if (!metricNames.includes(constraint.metric)) metricNames.push(constraint.metric);
  requireMetrics('candidate', candidate, metricNames);
  if (production) requireMetrics('production', production, metricNames);

  const metrics: MetricVerdict[] = [];
  const failed: MetricVerdict[] = [];
  const record = (verdict: MetricVerdict) => {
    metrics.push(verdict);
    if (!verdict.passed) failed.push(verdict);
  };

  for (const name of metricNames) {
    const c = candidate.metrics[name];
    const p = production ? production.metrics[name] : null;
    const change = p === null ? null : relativeChange(c, p);
    // The primary metric must improve by the minimum; a secondary one may not regress by more than the maximum.
    const floor =
      name === policy.primaryMetric
        ? policy.minRelativeImprovement
        : policy.secondaryMetrics.includes(name)
          ? -policy.maxSecondaryRegression
          : null;
    if (floor !== null) {
      record({
        name,
        candidate: c,
        production: p,
        relative_change: change,
        rule: `relative change >= ${percent(floor)}`,
        passed: change === null || change >= floor - EPSILON,
      });
    }
    for (const constraint of policy.constraints.filter((k) => k.metric === name)) {
      const rules: string[] = [];
      let passed = true;
      if (constraint.min !== undefined) {
        rules.push(`>= ${constraint.min}`);
        passed &&= c >= constraint.min;
      }
      if (constraint.max !== undefined) {
        rules.push(`<= ${constraint.max}`);
        passed &&= c <= constraint.max;
      }
      record({
        name,
        candidate: c,
        production: p,
        relative_change: change,
        rule: `constraint ${rules.join(' and ')}`,
        passed,
      });
    }
  }

  const ci = production
    ? primaryCi(policy.primaryMetric, candidate, production, policy.minConfidence ?? DEFAULT_BOOTSTRAP.level)
    : null;
  const noise = { min_confidence: policy.minConfidence ?? null, min_users: policy.minUsers ?? null };
  if (!production) {
    return {
      verdict: 'promote',
      summary: `promote ${candidate.version}: there is no Production model yet, so the first candidate becomes Production (its metrics are recorded for the next comparison)`,
      candidate_version: candidate.version,
      production_version: null,
      metrics,
      ci,
      gate_window: window,
      failed_rules: [],
      ...noise,
    };
  }
  const primary = metrics[0];
  // A forced promotion (the primary rule at -100%) is never blocked by the noise rules: they are recorded, waived.
  const waived = policy.minRelativeImprovement <= -1 ? ' — waived: minRelativeImprovement -1 forces promotion' : '';
  if (policy.minUsers !== undefined) {
    record({
      name: GATE_USERS,
      candidate: window.users,
      production: null,
      relative_change: null,
      rule: `>= ${policy.minUsers} evaluated users (minUsers)${waived}`,
      passed: window.users >= policy.minUsers || waived !== '',
    });
  }
  if (policy.minConfidence !== undefined) {
    const level = percent(policy.minConfidence);
    record({
      ...primary,
      rule: `paired bootstrap ${level} CI of the difference ${ci ? interval(ci.interval) : '(no users)'} above 0 (minConfidence)${waived}`,
      passed: (ci !== null && ci.lower_bound > 0) || waived !== '',
    });
  }
  const verdict = failed.length === 0 ? 'promote' : 'retain';
  const tooFewUsers = failed.some((m) => m.name === GATE_USERS);
  const change = `${policy.primaryMetric} ${fmt(primary.production!)} → ${fmt(primary.candidate)} (${signedPercent(primary.relative_change!)})`;
  const failures = failed
    .filter((m) => m.name !== GATE_USERS)
    .map((m) => `${m.name} ${fmt(m.candidate)} vs ${fmt(m.production!)} (${m.rule})`);
  const summary =
    verdict === 'promote'
      ? `promote ${candidate.version} over ${production.version}: ${change}; every rule passed`
      : tooFewUsers
        ? `insufficient evidence: retain ${production.version}, the gate window has ${window.users} evaluated users, fewer than minUsers ${policy.minUsers}${failures.length > 0 ? `; ${candidate.version} also failed: ${failures.join('; ')}` : ''}`
        : `retain ${production.version}, ${candidate.version} failed ${failed.length} rule(s): ${failures.join('; ')}`;
  return {
    verdict,
    summary,
    candidate_version: candidate.version,
    production_version: production.version,
    metrics,
    ci,
    gate_window: window,
    failed_rules: failed.map((m) =>
      m.name === GATE_USERS
        ? `insufficient evidence: ${m.candidate} evaluated users, fewer than minUsers ${policy.minUsers}`
        : `${m.name}: ${m.rule}`,
    ),
    ...noise,
  };
}

function requireMetrics(who: string, score: GateScore, names: string[]): void {
  for (const name of names) {
    const value = score.metrics[name];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new Error(
        `promotion gate: the ${who} (${score.version}) has no value for metric "${name}"; the policy needs ${names.join(', ')} — score both models on the gate window first`,
      );
    }
  }
}

/** (candidate − production) / production; a production value of 0 makes any gain infinite and no change 0. */
function relativeChange(candidate: number, production: number): number {
  if (production === 0)
    return candidate === 0 ? 0 : candidate > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return (candidate - production) / Math.abs(production);
}

function primaryCi(
  metric: string,
  candidate: GateScore,
  production: GateScore,
  level: number,
): PromotionDecision['ci'] {
  if (candidate.per_user_primary.length === 0) return null;
  const paired = pairedBootstrap(candidate.per_user_primary, production.per_user_primary, { level });
  return { metric, difference: paired.difference, interval: paired.ci, lower_bound: paired.ci[0], level };
}

const fmt = (x: number) => x.toFixed(4);
const interval = ([lo, hi]: [number, number]) => `[${fmt(lo)}, ${fmt(hi)}]`;
const percent = (x: number) => `${+(x * 100).toFixed(4)}%`;
const signedPercent = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%` : x > 0 ? '+∞' : '−∞';
