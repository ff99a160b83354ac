import { describe, expect, it } from 'vitest';
import { decidePromotion, type GateScore, type GateWindow, PromotionDecisionSchema } from './gate.ts';
import { DEFAULT_POLICY, PromotionPolicySchema } from './policy.ts';

const window: GateWindow = {
  from: '1998-03-01T00:00:00.000Z',
  to: '1998-04-01T00:00:00.000Z',
  interactions: 500,
  users: 40,
};
const base = {
  'ndcg@10': 0.2,
  'precision@10': 0.1,
  'recall@20': 0.25,
  'hit_rate@10': 0.5,
  mrr: 0.3,
  'coverage@100': 0.6,
};

function score(
  version: string,
  overrides: Record<string, number> = {},
  perUser: number[] = [0.1, 0.2, 0.3],
): GateScore {
  return {
    version,
    fit_cutoff: '1998-02-01T00:00:00.000Z',
    metrics: { ...base, ...overrides },
    per_user_primary: perUser,
  };
}

describe('promotion gate', () => {
  it('promotes at exactly +1.0% on the primary metric and retains at +0.99%', () => {
    const production = score('v1');
    const exact = decidePromotion(DEFAULT_POLICY, score('v2', { 'ndcg@10': 0.2 * 1.01 }), production, window);
    expect(exact.verdict).toBe('promote');
    const short = decidePromotion(DEFAULT_POLICY, score('v2', { 'ndcg@10': 0.2 * 1.0099 }), production, window);
    expect(short.verdict).toBe('retain');
    expect(short.failed_rules).toEqual(['ndcg@10: relative change >= 1%']);
    expect(short.summary).toContain('ndcg@10 0.2020 vs 0.2000');
  });

  it('tolerates a secondary regression of exactly 5.0% and not of 5.01%', () => {
    const production = score('v1');
    const better = { 'ndcg@10': 0.25 };
    const atLimit = decidePromotion(DEFAULT_POLICY, score('v2', { ...better, mrr: 0.3 * 0.95 }), production, window);
    expect(atLimit.verdict).toBe('promote');
    const over = decidePromotion(DEFAULT_POLICY, score('v2', { ...better, mrr: 0.3 * 0.9499 }), production, window);
    expect(over.verdict).toBe('retain');
    expect(over.failed_rules).toEqual(['mrr: relative change >= -5%']);
  });

  it('retains a candidate that violates a constraint and names it', () => {
    const production = score('v1', { 'coverage@100': 0.52 });
    const decision = decidePromotion(
      DEFAULT_POLICY,
      score('v2', { 'ndcg@10': 0.3, 'coverage@100': 0.495 }),
      production,
      window,
    );
    expect(decision.verdict).toBe('retain');
    expect(decision.failed_rules).toEqual(['coverage@100: constraint >= 0.5']);
    const row = decision.metrics.find((m) => m.rule.startsWith('constraint'))!;
    expect(row).toMatchObject({ name: 'coverage@100', candidate: 0.495, production: 0.52, passed: false });
  });

  it('lists every metric with both values and the relative change', () => {
    const decision = decidePromotion(DEFAULT_POLICY, score('v2', { 'ndcg@10': 0.3 }), score('v1'), window);
    expect(decision.metrics.map((m) => m.name)).toEqual([
      'ndcg@10',
      'precision@10',
      'recall@20',
      'hit_rate@10',
      'mrr',
      'coverage@100',
      'coverage@100',
    ]);
    expect(decision.metrics[0].relative_change).toBeCloseTo(0.5, 12);
    expect(decision.gate_window).toEqual(window);
  });

  it('is a clear error when a metric the policy needs is missing', () => {
    const incomplete = score('v2');
    delete incomplete.metrics['hit_rate@10'];
    expect(() => decidePromotion(DEFAULT_POLICY, incomplete, score('v1'), window)).toThrow(
      /candidate \(v2\) has no value for metric "hit_rate@10"/,
    );
  });

  it('promotes the first candidate when there is no Production model, and says so', () => {
    const decision = decidePromotion(DEFAULT_POLICY, score('v1', { 'coverage@100': 0.1 }), null, window);
    expect(decision.verdict).toBe('promote');
    expect(decision.summary).toMatch(/no Production model yet/);
    expect(decision.ci).toBeNull();
    expect(decision.metrics.every((m) => m.production === null)).toBe(true);
  });

  it('records the paired bootstrap CI of the primary difference over users', () => {
    const cand = score('v2', { 'ndcg@10': 0.3 }, [0.3, 0.4, 0.5, 0.6]);
    const prod = score('v1', {}, [0.1, 0.2, 0.3, 0.4]);
    const decision = decidePromotion(DEFAULT_POLICY, cand, prod, window);
    expect(decision.ci!.difference).toBeCloseTo(0.2, 12);
    expect(decision.ci!.interval[0]).toBeCloseTo(0.2, 12);
    expect(decision.ci!.lower_bound).toBe(decision.ci!.interval[0]);
  });

  it('accepts a forcing policy (minimum improvement -1.0) and rejects out-of-range values', () => {
    const forcing = PromotionPolicySchema.parse({
      minRelativeImprovement: -1,
      maxSecondaryRegression: 1,
      constraints: [],
    });
    const worse = score('v2', { 'ndcg@10': 0.05, mrr: 0.01, 'coverage@100': 0.1 });
    expect(decidePromotion(forcing, worse, score('v1'), window).verdict).toBe('promote');
    expect(() => PromotionPolicySchema.parse({ minRelativeImprovement: 1.5 })).toThrow();
  });
});

describe('promotion gate that knows its noise (minConfidence, minUsers)', () => {
  // +5% on NDCG@10, but two of four users lose: the paired differences are +0.2, +0.2, −0.1, −0.2.
  const noisy = score('v2', { 'ndcg@10': 0.21 }, [0.5, 0.6, 0.2, 0.2]);
  const noisyProduction = score('v1', {}, [0.3, 0.4, 0.3, 0.4]);
  // +50%, every user gains 0.1.
  const clear = score('v2', { 'ndcg@10': 0.3 }, [0.3, 0.4, 0.5, 0.6]);
  const clearProduction = score('v1', {}, [0.2, 0.3, 0.4, 0.5]);

  it('promotes on the 1% rule alone when both are off (the default), recording them as null', () => {
    const decision = decidePromotion(DEFAULT_POLICY, noisy, noisyProduction, window);
    expect(decision.verdict).toBe('promote');
    expect(decision).toMatchObject({ min_confidence: null, min_users: null });
    expect(decision.ci!.level).toBe(0.95);
    expect(decision.ci!.lower_bound).toBeLessThan(0);
  });

  it('retains with minConfidence when the CI of the difference crosses zero, and names the interval', () => {
    const policy = PromotionPolicySchema.parse({ minConfidence: 0.95 });
    const decision = decidePromotion(policy, noisy, noisyProduction, window);
    expect(decision.verdict).toBe('retain');
    expect(decision.min_confidence).toBe(0.95);
    const [lo, hi] = decision.ci!.interval;
    expect(lo).toBeLessThan(0);
    expect(decision.failed_rules).toEqual([
      `ndcg@10: paired bootstrap 95% CI of the difference [${lo.toFixed(4)}, ${hi.toFixed(4)}] above 0 (minConfidence)`,
    ]);
    expect(decision.summary).toContain('ndcg@10 0.2100 vs 0.2000 (paired bootstrap 95% CI');
  });

  it('promotes with minConfidence when the whole interval is above zero, at the configured level', () => {
    const policy = PromotionPolicySchema.parse({ minConfidence: 0.9 });
    const decision = decidePromotion(policy, clear, clearProduction, window);
    expect(decision.verdict).toBe('promote');
    expect(decision.ci).toMatchObject({ level: 0.9 });
    expect(decision.ci!.lower_bound).toBeGreaterThan(0);
    expect(decision.metrics.at(-1)).toMatchObject({ name: 'ndcg@10', passed: true });
  });

  it('retains on too few users as insufficient evidence, with the count, even when the candidate is better', () => {
    const policy = PromotionPolicySchema.parse({ minUsers: 41 });
    const decision = decidePromotion(policy, clear, clearProduction, window);
    expect(decision.verdict).toBe('retain');
    expect(decision.min_users).toBe(41);
    expect(decision.summary).toBe(
      'insufficient evidence: retain v1, the gate window has 40 evaluated users, fewer than minUsers 41',
    );
    expect(decision.failed_rules).toEqual(['insufficient evidence: 40 evaluated users, fewer than minUsers 41']);
    expect(decidePromotion(PromotionPolicySchema.parse({ minUsers: 40 }), clear, clearProduction, window).verdict).toBe(
      'promote',
    );
  });

  it('names every failure when the evidence is insufficient and the candidate also fails a rule', () => {
    const policy = PromotionPolicySchema.parse({ minUsers: 100, minConfidence: 0.95 });
    const decision = decidePromotion(policy, noisy, noisyProduction, window);
    expect(decision.summary).toMatch(/^insufficient evidence: retain v1, the gate window has 40 evaluated users/);
    expect(decision.summary).toContain('v2 also failed: ndcg@10 0.2100 vs 0.2000 (paired bootstrap 95% CI');
    expect(decision.failed_rules).toHaveLength(2);
  });

  it('never blocks a forced promotion (minRelativeImprovement -1): both rules are recorded as waived', () => {
    const policy = PromotionPolicySchema.parse({ minRelativeImprovement: -1, minConfidence: 0.95, minUsers: 1000 });
    const decision = decidePromotion(policy, noisy, noisyProduction, window);
    expect(decision.verdict).toBe('promote');
    const waived = decision.metrics.filter((m) => m.rule.includes('waived: minRelativeImprovement -1'));
    expect(waived.map((m) => m.name)).toEqual(['gate_window.users', 'ndcg@10']);
  });

  it('leaves the first promotion alone: nothing to compare, so neither rule applies', () => {
    const policy = PromotionPolicySchema.parse({ minConfidence: 0.95, minUsers: 1000 });
    const decision = decidePromotion(policy, noisy, null, window);
    expect(decision.verdict).toBe('promote');
    expect(decision).toMatchObject({ min_confidence: 0.95, min_users: 1000, ci: null });
  });

  it('rejects levels outside [0.5, 0.999] and a non-integer user floor', () => {
    expect(() => PromotionPolicySchema.parse({ minConfidence: 1 })).toThrow();
    expect(() => PromotionPolicySchema.parse({ minConfidence: 0.2 })).toThrow();
    expect(() => PromotionPolicySchema.parse({ minUsers: 2.5 })).toThrow();
  });

  it('reads a decision recorded before these options as off, at the 95% level', () => {
    const old = decidePromotion(DEFAULT_POLICY, clear, clearProduction, window) as Record<string, unknown>;
    const { min_confidence: _c, min_users: _u, ...recorded } = old;
    const ci = { ...(recorded.ci as object), level: undefined };
    const parsed = PromotionDecisionSchema.parse(JSON.parse(JSON.stringify({ ...recorded, ci })));
    expect(parsed).toMatchObject({ min_confidence: null, min_users: null, ci: { level: 0.95 } });
  });
});
