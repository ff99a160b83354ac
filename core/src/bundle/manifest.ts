import { z } from 'zod';
import { BundleError } from './errors.ts';

/** Bumped when a reader of the previous format could misread a new bundle. */
export const BUNDLE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export const DTYPES = ['f32', 'u32', 'f64', 'u8'] as const;
export type Dtype = (typeof DTYPES)[number];

const isoInstant = z.iso.datetime({ error: 'expected an ISO-8601 UTC instant such as 2026-11-29T21:30:05.000Z' });
const metricName = z.string().min(1);
const confidenceInterval = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo <= hi, { error: 'expected [lo, hi] with lo <= hi' });

/**
 * Metrics of one evaluation slice: metric name → value (e.g. "ndcg@10": 0.157), plus an optional `ci` that maps a
 * metric name to its 95% bootstrap interval. `ci` is the one reserved key.
 */
export const metricSetSchema = z
  .object({ ci: z.record(metricName, confidenceInterval).optional() })
  .catchall(z.number().refine(Number.isFinite, { error: 'expected a finite number' }));
export type MetricSet = z.output<typeof metricSetSchema>;

export const bundleFileSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected 64 lowercase hex digits' }),
  bytes: z.int().nonnegative(),
  dtype: z.enum(DTYPES).optional(),
  shape: z.array(z.int().nonnegative()).optional(),
});
export type BundleFile = z.output<typeof bundleFileSchema>;

export const manifestSchema = z.strictObject({
  format_version: z.literal(BUNDLE_FORMAT_VERSION, {
    error: `expected format_version ${BUNDLE_FORMAT_VERSION}; a bundle of another format needs a matching reader or a re-export`,
  }),
  model_name: z.string().min(1),
  version: z.string().min(1),
  model_type: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  dataset: z.strictObject({
    fingerprint: z.string().min(1),
    /** Split boundaries by name, e.g. { train_end, validation_end }. */
    cutoffs: z.record(z.string(), isoInstant),
    /** End of the interactions the model was fit on: the promotion gate only scores it on later ones. */
    fit_cutoff: isoInstant,
  }),
  metrics: z.strictObject({
    validation: metricSetSchema,
    test: metricSetSchema.optional(),
    cold: metricSetSchema.optional(),
  }),
  /** What test was scored for, so it is scored once per dataset fingerprint and chosen configuration. */
  test_scored_for: z.strictObject({ fingerprint: z.string().min(1), config_key: z.string().min(1) }).nullable(),
  files: z.record(z.string(), bundleFileSchema),
  created_at: isoInstant,
  parent_version: z.string().min(1).nullable(),
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type Manifest = z.output<typeof manifestSchema>;

/** What a caller gives `writeBundle`: the writer fills in files, version, created_at, format_version and model_name. */
export type ManifestInput = Omit<
  z.input<typeof manifestSchema>,
  'files' | 'version' | 'created_at' | 'format_version' | 'model_name'
> &
  Partial<Pick<Manifest, 'format_version' | 'model_name'>>;

/** Validates a parsed manifest; the error lists every problem with its path, naming `source`. */
export function parseManifest(value: unknown, source: string): Manifest {
  const result = manifestSchema.safeParse(value);
  if (result.success) return result.data;
  throw new BundleError(`invalid bundle manifest ${source}:\n${z.prettifyError(result.error)}`, {
    file: MANIFEST_FILE,
  });
}

/**
 * Builds a slice from values and intervals. Use it instead of an object literal: TypeScript cannot type a literal
 * whose `ci` sits beside number-valued keys.
 */
export function metricSet(values: Record<string, number>, ci?: Record<string, [number, number]>): MetricSet {
  if ('ci' in values) throw new BundleError('"ci" is reserved for confidence intervals and cannot be a metric name');
  return (ci ? { ...values, ci } : { ...values }) as MetricSet;
}

/** The metric values of a slice without its `ci`. */
export function metricValues(set: MetricSet): Record<string, number> {
  const { ci: _ci, ...values } = set;
  return values as Record<string, number>;
}
