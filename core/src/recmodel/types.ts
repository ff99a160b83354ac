import { z } from 'zod';
import { PromotionPolicySchema } from '../promotion/policy.ts';
import { parseCron } from './cron.ts';

/**
 * The RecModel custom resource: one spec for the local runtime (`recsys up -f`) and the cluster operator.
 * Kubernetes objects speak camelCase. The CRD in crds/ is generated from these schemas (scripts/gen-crd.ts);
 * `x-kubernetes-validations` metadata becomes the API server's CEL rules, so both sides check the same things.
 */
export const RECMODEL_GROUP = 'recsys.dev';
export const RECMODEL_VERSION = 'v1alpha1';
export const RECMODEL_KIND = 'RecModel';
export const RECMODEL_PLURAL = 'recmodels';
export const RECMODEL_API_VERSION = `${RECMODEL_GROUP}/${RECMODEL_VERSION}`;
/** Setting this annotation to a new value (e.g. a timestamp) asks for one retrain. */
export const RETRAIN_ANNOTATION = `${RECMODEL_GROUP}/retrain`;
export const HISTORY_LIMIT = 20;

const MODEL_FAMILIES = ['popularity', 'itemknn', 'als', 'ease_trend', 'ease_active_trend'] as const;

/** Five cron fields (minute hour day month weekday) or a descriptor such as @daily; the CronJob dialect. */
export const CRON_PATTERN =
  '^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|([0-9*?/,A-Za-z-]+ +){4}[0-9*?/,A-Za-z-]+)$';
const cronRule = (field: string) => ({
  rule: `self.matches('${CRON_PATTERN}')`,
  message: `${field} must be a cron schedule: five fields (minute hour day month weekday) or @hourly/@daily/@weekly/@monthly/@yearly`,
});
const cron = (field: string) =>
  z
    .string()
    .max(100)
    .regex(new RegExp(CRON_PATTERN), {
      message: `expected a cron schedule: five fields (minute hour day month weekday) or @hourly/@daily/@weekly/@monthly/@yearly`,
      abort: true,
    })
    .superRefine((value, ctx) => {
      try {
        parseCron(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .meta({ 'x-kubernetes-validations': [cronRule(field)] });

/** A Kubernetes quantity such as 500m, 2, 1Gi or 512Mi. */
const quantity = z
  .string()
  .max(64)
  .regex(/^[+-]?[0-9.]+([eEinumkKMGTP]*[-+]?[0-9]*)$/, {
    message: 'expected a Kubernetes quantity such as 500m or 1Gi',
  });
const ResourceListSchema = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();
const ResourcesSchema = z
  .object({ requests: ResourceListSchema.optional(), limits: ResourceListSchema.optional() })
  .strict();

const port = z.number().int().min(1).max(65_535);
const image = z.string().min(1).max(512);

const DatasetSpecSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .max(1024)
      .describe(
        'A MovieLens directory, an official archive name (ml-100k, ml-1m, ml-latest-small), or a path on a volume.',
      ),
    positiveRating: z
      .number()
      .min(0.5)
      .max(5)
      .default(4)
      .describe('Ratings at or above this count as positive interactions (PROTOCOL.md step 1).'),
    minUserPositives: z.number().int().min(1).max(10_000).default(5),
    minItemPositives: z.number().int().min(1).max(10_000).default(10),
    iterative: z.boolean().default(false).describe('Repeat the thresholds until stable instead of one pass.'),
    eventLogs: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe('A directory of serving event logs whose interactions are merged in on retrain; none when absent.'),
  })
  .strict();

const FamilySpecSchema = z
  .object({
    name: z.enum(MODEL_FAMILIES),
    budget: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Candidates tried on validation for this family; the global budget when absent.'),
  })
  .strict();

const ModelsSpecSchema = z
  .object({
    families: z
      .array(FamilySpecSchema)
      .min(1, { message: 'expected at least one model family' })
      .max(MODEL_FAMILIES.length)
      .default(MODEL_FAMILIES.map((name) => ({ name })))
      .refine((families) => new Set(families.map((f) => f.name)).size === families.length, {
        message: 'each model family may appear once',
      })
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    budget: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'Trials on validation per family, unless the family names its own; each family its own default (8, or 16 for the EASE + trend families) when absent.',
      ),
    memoryBudget: z
      .string()
      .regex(/^[0-9]+(\.[0-9]+)?(k|M|G|T|Ki|Mi|Gi|Ti)?$/, {
        message: 'expected a memory quantity such as 12Gi, 8G or 512Mi',
      })
      .optional()
      .describe(
        "Memory one fit's model arrays may take (a quantity, e.g. 12Gi); half the trainer container's memory limit when absent. A family that cannot fit is skipped with the reason in the train result.",
      ),
  })
  .strict()
  .meta({
    'x-kubernetes-validations': [{ rule: 'size(self.families) > 0', message: 'expected at least one model family' }],
  });

const SelectionSpecSchema = z
  .object({
    minCoverage: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Validation coverage@100 a candidate needs to win the search.'),
    maxJaccard: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe(
        'Largest mean pairwise Jaccard of two users top-10 lists a candidate may have (on validation and on the deployed refit) to win the search: how alike the lists may be.',
      ),
    folds: z
      .number()
      .int()
      .min(1)
      .max(5)
      .optional()
      .describe(
        'Rolling-origin validation: consecutive validation windows inside the fit period the best candidates are confirmed on (1: the protocol single split); each family its own default when absent (3, or 1 for popularity, as measured selection regret decided).',
      ),
  })
  .strict();

const PromotionSpecSchema = PromotionPolicySchema.prefault({}).meta({
  'x-kubernetes-validations': [
    {
      rule: 'self.minRelativeImprovement >= -1.0 && self.minRelativeImprovement <= 1.0',
      message: 'minRelativeImprovement must be within [-1, 1] (a relative change: 0.01 is +1%)',
    },
  ],
});

/** `postgres`: the engine the runtime runs (the chart's StatefulSet, or `recsys up`'s own server). */
export const RUNTIME_EVENT_STREAM = 'postgres';
const EVENT_STREAM_URL = '^postgres(ql)?://([^/:@]+@)?[^/@]+(/[^/?#]*)?$';
const eventStreamRule = {
  rule: `self == '${RUNTIME_EVENT_STREAM}' || self.matches('${EVENT_STREAM_URL}')`,
  message:
    'eventStream must be postgres (the runtime runs the engine) or postgres://user@host:port/database (the password goes in a Secret, never in the spec)',
};

const ServingSpecSchema = z
  .object({
    replicas: z.number().int().min(0).max(100).default(1),
    port: port.default(8000),
    image: image.default('ghcr.io/recsys-dev/serving:0.1.0'),
    resources: ResourcesSchema.optional(),
    foldInUsers: z
      .number()
      .int()
      .min(1)
      .max(100_000_000)
      .optional()
      .describe(
        'Fold-in users each replica holds in memory at most (LRU); an evicted user is read back from the event store. 100,000 when absent.',
      ),
    eventStream: z
      .string()
      .max(1024)
      .regex(new RegExp(`^${RUNTIME_EVENT_STREAM}$|${EVENT_STREAM_URL}`), { message: eventStreamRule.message })
      .optional()
      .describe(
        'Where posted interactions go so every replica sees them and retraining reads them: postgres (the engine the runtime runs) or postgres://user@host:port/database (password from the Secret). Absent: each serving process keeps its own SQLite event log (one replica).',
      )
      .meta({ 'x-kubernetes-validations': [eventStreamRule] }),
  })
  .strict();

const FrontendSpecSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4321),
    image: image.default('ghcr.io/recsys-dev/frontend:0.1.0'),
  })
  .strict();

const TrackingSpecSchema = z
  .object({
    backend: z.enum(['embedded', 'mlflow']).default('embedded'),
    /** The MLflow server; required when backend is mlflow. */
    uri: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL of the MLflow server' })
      .max(1024)
      .optional()
      .describe('The MLflow server; required when backend is mlflow.'),
  })
  .strict()
  .refine((t) => t.backend !== 'mlflow' || t.uri !== undefined, {
    message: 'tracking.uri is required when tracking.backend is mlflow',
    path: ['uri'],
  })
  .meta({
    'x-kubernetes-validations': [
      { rule: "self.backend != 'mlflow' || has(self.uri)", message: 'uri is required when backend is mlflow' },
    ],
  });

/** A duration such as 24h, 90m or 7d. */
const DURATION_PATTERN = '^[0-9]+(s|m|h|d)$';

const ReportSpecSchema = z
  .object({
    enabled: z.boolean().default(true),
    schedule: cron('report.schedule').default('0 6 * * *'),
    /** The window the report covers, ending when it is written. */
    since: z
      .string()
      .regex(new RegExp(DURATION_PATTERN), { message: 'expected a duration such as 24h, 90m or 7d' })
      .default('24h')
      .describe('The window the report covers, ending when it is written.'),
    format: z.enum(['markdown', 'json']).default('markdown'),
  })
  .strict();

const oneEventSource = {
  rule: '!has(self.dataset.eventLogs) || !has(self.serving) || !has(self.serving.eventStream)',
  message:
    'dataset.eventLogs and serving.eventStream exclude each other: with an event stream, retraining reads the stream',
};

export const RecModelSpecSchema = z
  .object({
    dataset: DatasetSpecSchema.describe('The MovieLens data the models learn from, and how it is prepared.'),
    models: ModelsSpecSchema.prefault({}).describe('The model families searched on validation, and their budgets.'),
    selection: SelectionSpecSchema.prefault({}).describe('How the search chooses its winner.'),
    promotion: PromotionSpecSchema.describe(
      'The promotion gate: when a trained candidate may replace Production (both scored on the same window).',
    ),
    schedule: cron('schedule').optional().describe('Retraining schedule (cron); no scheduled retraining when absent.'),
    serving: ServingSpecSchema.prefault({}).describe('The recommendation API, pinned to the Production version.'),
    frontend: FrontendSpecSchema.prefault({}).describe('The Astro site.'),
    tracking: TrackingSpecSchema.prefault({}).describe('Where training runs and promotion decisions are tracked.'),
    report: ReportSpecSchema.prefault({}).describe('The scheduled report of serving and model quality.'),
  })
  .strict()
  .refine((spec) => spec.dataset.eventLogs === undefined || spec.serving.eventStream === undefined, {
    message: oneEventSource.message,
    path: ['dataset', 'eventLogs'],
  })
  .meta({ 'x-kubernetes-validations': [oneEventSource] });

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded', 'Trained', 'PromotionGatePassed'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

const time = z.iso.datetime({ offset: true });

/** The Kubernetes condition shape (metav1.Condition). */
const ConditionSchema = z
  .object({
    type: z.string().min(1).max(316),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, { message: 'expected a CamelCase reason' }),
    message: z.string().max(32_768),
    lastTransitionTime: time,
    observedGeneration: z.number().int().min(0).optional(),
  })
  .strict();

const HistoryEntrySchema = z
  .object({
    version: z.string().min(1),
    stage: z.enum(['None', 'Staging', 'Production', 'Archived']),
    verdict: z.enum(['promote', 'retain']),
    summary: z.string(),
    metrics: z.record(z.string(), z.number()).describe("The candidate's gate metrics by name (ndcg@10, recall@20, …)."),
    comparedWith: z
      .string()
      .optional()
      .describe('The Production version it was compared with; absent on the first promotion.'),
    productionMetrics: z
      .record(z.string(), z.number())
      .optional()
      .describe("Production's gate metrics on the same window; absent on the first promotion."),
    gateWindow: z
      .object({
        from: z.string(),
        to: z.string(),
        interactions: z.number().int().min(0),
        users: z.number().int().min(0),
      })
      .strict()
      .optional()
      .describe('The interactions both models were scored on: after both fit cutoffs.'),
    failedRules: z.array(z.string()).default([]),
    runName: z.string().min(1),
    trigger: z.string().min(1),
    decidedAt: time,
  })
  .strict();

const TRIGGERS = ['initial', 'spec', 'annotation', 'schedule', 'manual'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** The training run the reconciler launched last. */
const TrainingRunStatusSchema = z
  .object({
    runName: z.string().min(1),
    trigger: z.enum(TRIGGERS),
    generation: z.number().int().min(0),
    attempt: z.number().int().min(1),
    startedAt: time,
  })
  .strict();

const FailureSchema = z
  .object({
    runName: z.string().min(1),
    step: z.enum(['train', 'gate']),
    reason: z.string().min(1),
    message: z.string(),
    at: time,
    attempts: z.number().int().min(1).describe('Consecutive failed attempts of this run.'),
    retryAt: time.optional().describe('When the next attempt may start; absent once attempts are exhausted.'),
  })
  .strict();

export const RecModelStatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional(),
    conditions: z
      .array(ConditionSchema)
      .default([])
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    productionVersion: z.string().optional(),
    productionNdcgAt10: z
      .number()
      .optional()
      .describe("Production's NDCG@10 on the gate window that promoted it (the NDCG@10 printer column)."),
    stagingVersion: z.string().optional().describe('A trained candidate waiting for (or failing) the gate.'),
    targetVersion: z.string().optional().describe('The version serving is rolling to.'),
    training: TrainingRunStatusSchema.optional(),
    trainedSpecHash: z
      .string()
      .optional()
      .describe('Hash of the spec sections that shape a model (dataset, models, selection, promotion) last trained.'),
    lastRetrainRequest: z.string().optional(),
    lastScheduledSlot: time.optional(),
    lastReportSlot: time.optional(),
    history: z.array(HistoryEntrySchema).max(HISTORY_LIMIT).default([]),
    lastFailure: FailureSchema.optional(),
  })
  .strict();

export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const ObjectMetaSchema = z
  .object({
    // The retrain CronJob is named <name>-retrain within the CronJob limit of 52 characters.
    name: z
      .string()
      .min(1)
      .max(52, { message: 'expected at most 52 characters, so run and CronJob names derived from it fit' })
      .regex(new RegExp(DNS_LABEL_PATTERN), {
        message: 'expected a DNS-1123 label: lowercase letters, digits and "-", starting and ending alphanumeric',
      }),
    namespace: z.string().optional(),
    generation: z.number().int().min(0).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .loose();

export const RecModelSchema = z
  .object({
    apiVersion: z.literal(RECMODEL_API_VERSION, { message: `expected apiVersion ${RECMODEL_API_VERSION}` }),
    kind: z.literal(RECMODEL_KIND, { message: `expected kind ${RECMODEL_KIND}` }),
    metadata: ObjectMetaSchema,
    spec: RecModelSpecSchema,
    status: RecModelStatusSchema.optional(),
  })
  .strict();

export type RecModel = z.infer<typeof RecModelSchema>;
export type RecModelSpec = z.infer<typeof RecModelSpecSchema>;
export type RecModelStatus = z.infer<typeof RecModelStatusSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export type TrainingRunStatus = z.infer<typeof TrainingRunStatusSchema>;
export type Failure = z.infer<typeof FailureSchema>;
export type ServingSpec = z.infer<typeof ServingSpecSchema>;
export type ReportSpec = z.infer<typeof ReportSpecSchema>;
