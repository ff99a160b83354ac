import { stringify } from 'yaml';
import { z } from 'zod';
import { MetricConstraintSchema } from '../promotion/policy.ts';
import {
  DNS_LABEL_PATTERN,
  RECMODEL_GROUP,
  RECMODEL_KIND,
  RECMODEL_PLURAL,
  RECMODEL_VERSION,
  RecModelSpecSchema,
  RecModelStatusSchema,
} from './types.ts';

type JsonSchema = { [key: string]: unknown };

/** Formats the API server validates; any other `format` would be ignored there, so it is left out. */
const KUBERNETES_FORMATS = new Set([
  'date-time',
  'date',
  'duration',
  'uri',
  'email',
  'hostname',
  'byte',
  'int32',
  'int64',
]);
// Cross-field rules of core's promotion policy, which live in zod refinements there.
const OVERRIDES = new Map<unknown, JsonSchema>([
  [
    MetricConstraintSchema,
    {
      'x-kubernetes-validations': [
        { rule: 'has(self.min) || has(self.max)', message: 'a constraint needs min or max' },
      ],
    },
  ],
]);

/**
 * A zod schema → a Kubernetes structural OpenAPI v3 schema: every node typed, no `$ref`, no
 * `additionalProperties: false` next to `properties` (the API server prunes unknown fields instead), maps as
 * `additionalProperties` only, and no unbounded safe-integer limits.
 */
function structuralSchema(schema: z.ZodType, options: { defaults: boolean }): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    unrepresentable: 'throw',
    override: (ctx) => {
      const extra = OVERRIDES.get(ctx.zodSchema);
      if (extra) Object.assign(ctx.jsonSchema, extra);
    },
  }) as JsonSchema;
  return clean(json, options.defaults);
}

function clean(node: JsonSchema, defaults: boolean): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'propertyNames' || key === 'id') continue;
    if (key === 'default' && !defaults) continue;
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'format' && !KUBERNETES_FORMATS.has(value as string)) continue;
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    // The date-time format already validates; zod's pattern for it uses syntax Go's regexp lacks.
    if (key === 'pattern' && node.format === 'date-time') continue;
    // Where a CEL rule checks the same shape, its message is the one people should read.
    if (key === 'pattern' && node['x-kubernetes-validations']) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, clean(child, defaults)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object' && value !== null) {
      out[key] = clean(value as JsonSchema, defaults);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf' || key === '$ref' || key === 'not') {
      throw new Error(
        `the RecModel schema produced "${key}" at ${JSON.stringify(node).slice(0, 120)}; structural CRD schemas need one type per field — model it without unions`,
      );
    } else {
      out[key] = value;
    }
  }
  if (out.default !== undefined) out.default = withNestedDefaults(out, out.default);
  if (out.type === undefined && !out['x-kubernetes-int-or-string'] && !out['x-kubernetes-preserve-unknown-fields']) {
    throw new Error(`a RecModel schema node has no type: ${JSON.stringify(node).slice(0, 200)}`);
  }
  return out;
}

/**
 * An object default with its properties' defaults filled in: the API server validates a default (CEL rules
 * included) as written, so `default: {}` must spell out what zod would fill.
 */
function withNestedDefaults(node: JsonSchema, value: unknown): unknown {
  if (node.type !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const filled: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
    if (filled[name] === undefined && child.default !== undefined) filled[name] = child.default;
    if (filled[name] !== undefined) filled[name] = withNestedDefaults(child, filled[name]);
  }
  return filled;
}

/** The RecModel CustomResourceDefinition (apiextensions.k8s.io/v1), generated from the zod schemas. */
export function recModelCrd(): JsonSchema {
  const readyColumn = '.status.conditions[?(@.type=="Ready")].status';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${RECMODEL_PLURAL}.${RECMODEL_GROUP}` },
    spec: {
      group: RECMODEL_GROUP,
      names: {
        kind: RECMODEL_KIND,
        listKind: `${RECMODEL_KIND}List`,
        plural: RECMODEL_PLURAL,
        singular: RECMODEL_KIND.toLowerCase(),
        shortNames: ['rm'],
        categories: ['recsys'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: RECMODEL_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Production', type: 'string', jsonPath: '.status.productionVersion' },
            { name: 'Staging', type: 'string', jsonPath: '.status.stagingVersion' },
            { name: 'NDCG@10', type: 'number', format: 'float', jsonPath: '.status.productionNdcgAt10' },
            { name: 'Ready', type: 'string', jsonPath: readyColumn },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A movie recommender: the data it learns from, the model families it searches, the promotion gate, and how it is served.',
              required: ['spec'],
              // Run, Job and CronJob names start with the RecModel's name, so it must be a DNS-1123 label.
              'x-kubernetes-validations': [
                {
                  rule: `size(self.metadata.name) <= 52 && self.metadata.name.matches('${DNS_LABEL_PATTERN}')`,
                  message:
                    'metadata.name must be a DNS-1123 label of at most 52 characters (lowercase letters, digits, "-")',
                },
              ],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: structuralSchema(RecModelSpecSchema, { defaults: true }),
                status: structuralSchema(RecModelStatusSchema, { defaults: false }),
              },
            },
          },
        },
      ],
    },
  };
}

const CRD_HEADER = '# Generated by scripts/gen-crd.ts from core/src/recmodel/types.ts. Do not edit by hand.\n';

/** The CRD as committed in crds/recmodel.yaml. */
export function recModelCrdYaml(): string {
  return CRD_HEADER + stringify(recModelCrd(), { lineWidth: 0, aliasDuplicateObjects: false });
}
