import { z } from 'zod';

/**
 * The promotion policy (R11). It lives in a RecModel's spec, so its fields follow Kubernetes' camelCase.
 * Defaults are the statement's: NDCG@10 must improve by >= 1% relative, no secondary metric may regress by
 * more than 5% relative, and catalogue coverage@100 must stay >= 0.5. minConfidence and minUsers (off by default)
 * make the gate mind its noise; a forced promotion (minRelativeImprovement -1) waives both.
 */
export const MetricConstraintSchema = z
  .object({
    metric: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict()
  .refine((c) => c.min !== undefined || c.max !== undefined, { message: 'a constraint needs min or max' });

export const PromotionPolicySchema = z
  .object({
    primaryMetric: z.string().min(1).default('ndcg@10'),
    minRelativeImprovement: z.number().min(-1).max(1).default(0.01),
    maxSecondaryRegression: z.number().min(0).max(1).default(0.05),
    secondaryMetrics: z
      .array(z.string().min(1))
      .default(['precision@10', 'recall@20', 'hit_rate@10', 'mrr', 'coverage@100']),
    constraints: z.array(MetricConstraintSchema).default([{ metric: 'coverage@100', min: 0.5 }]),
    /** Promote only when the paired-bootstrap CI (at this level) of the primary metric's difference is above 0. */
    minConfidence: z.number().min(0.5).max(0.999).optional(),
    /** Below this many evaluated users in the gate window the evidence is insufficient: retain. */
    minUsers: z.number().int().min(1).optional(),
  })
  .strict();

export type PromotionPolicy = z.infer<typeof PromotionPolicySchema>;

export const DEFAULT_POLICY: PromotionPolicy = PromotionPolicySchema.parse({});
