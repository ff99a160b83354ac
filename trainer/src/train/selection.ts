/**
 * The selection rule (PROTOCOL.md step 10), in one place: the best validation NDCG@10 among candidates whose
 * validation coverage@100 is at least `minCoverage` AND whose mean pairwise top-10 Jaccard is at most
 * `maxJaccard`. Candidates that meet neither constraint still rank among themselves, so a family always has a
 * best candidate, marked not eligible.
 */
export interface SelectionRule {
  metric: 'ndcg@10';
  /** Validation coverage@100 a candidate needs (the statement's floor, 0.5). */
  minCoverage: number;
  /** Mean pairwise Jaccard of two users' top-10 a candidate may not exceed (0.10: lists that differ). */
  maxJaccard: number;
}

export const DEFAULT_SELECTION: SelectionRule = { metric: 'ndcg@10', minCoverage: 0.5, maxJaccard: 0.1 };

/** The cold-start path is one list for everybody by design: it is chosen on the metric alone. */
export const METRIC_ONLY: SelectionRule = { metric: 'ndcg@10', minCoverage: 0, maxJaccard: 1 };

/** Whether a candidate may win, and every constraint it misses, in words (`--json` trials carry both). */
export interface Verdict {
  eligible: boolean;
  why: string[];
}

/** The numbers the rule reads: a validation slice as `warmMetrics` flattens it. */
export type RuleMetrics = Readonly<Record<string, unknown>>;

export function verdict(metrics: RuleMetrics, rule: SelectionRule): Verdict {
  const why: string[] = [];
  const coverage = numberOf(metrics, 'coverage@100');
  const jaccard = numberOf(metrics, 'jaccard@10');
  if (!(coverage >= rule.minCoverage)) why.push(`coverage@100 ${fixed(coverage)} < ${rule.minCoverage}`);
  if (!(jaccard <= rule.maxJaccard)) why.push(`top-10 Jaccard ${fixed(jaccard)} > ${rule.maxJaccard}`);
  return { eligible: why.length === 0, why };
}

export interface Judged {
  validation: RuleMetrics;
  verdict: Verdict;
}

/** True when `a` should be chosen over `b`: eligibility first, then the primary metric; ties keep `b` (the earlier). */
export function preferred(a: Judged, b: Judged, rule: SelectionRule): boolean {
  if (a.verdict.eligible !== b.verdict.eligible) return a.verdict.eligible;
  return numberOf(a.validation, rule.metric) > numberOf(b.validation, rule.metric);
}

/** Candidates in the order the rule prefers them (a stable sort: equal ones keep the search's order). */
export function byPreference<T extends Judged>(candidates: readonly T[], rule: SelectionRule): T[] {
  return [...candidates].sort((a, b) => (preferred(a, b, rule) ? -1 : preferred(b, a, rule) ? 1 : 0));
}

function numberOf(metrics: RuleMetrics, name: string): number {
  const value = metrics[name];
  if (typeof value !== 'number') throw new Error(`selection: the validation metrics have no number "${name}"`);
  return value;
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : String(value);
}
