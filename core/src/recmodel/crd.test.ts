import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { recModelCrd, recModelCrdYaml } from './crd.ts';
import { parseRecModel } from './parse.ts';

const root = path.join(import.meta.dirname, '..', '..', '..');

type Node = { [key: string]: unknown };

/** Every schema node under the CRD's openAPIV3Schema, with its path. */
function nodes(node: Node, at = ''): [string, Node][] {
  const out: [string, Node][] = [[at, node]];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>))
    out.push(...nodes(child, `${at}.${name}`));
  if (node.items) out.push(...nodes(node.items as Node, `${at}[]`));
  if (typeof node.additionalProperties === 'object') out.push(...nodes(node.additionalProperties as Node, `${at}{}`));
  return out;
}

const openApi = () => {
  const crd = recModelCrd() as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
  return crd.spec.versions[0].schema.openAPIV3Schema;
};

describe('the RecModel CRD', () => {
  it('is committed exactly as the schemas generate it (run node scripts/gen-crd.ts after changing types.ts)', () => {
    expect(readFileSync(path.join(root, 'crds', 'recmodel.yaml'), 'utf8')).toBe(recModelCrdYaml());
  });

  it('is a structural schema: every node typed, no references, unions or additionalProperties beside properties', () => {
    for (const [at, node] of nodes(openApi())) {
      expect(node.type, `type at ${at}`).toBeTypeOf('string');
      for (const key of ['$ref', 'anyOf', 'oneOf', 'allOf', '$schema', 'propertyNames'])
        expect(node[key], `${key} at ${at}`).toBeUndefined();
      if (node.properties) expect(node.additionalProperties, `additionalProperties at ${at}`).toBeUndefined();
    }
  });

  it('carries the cross-field CEL rules, the status subresource and the printer columns', () => {
    const rules = nodes(openApi()).flatMap(([at, node]) =>
      ((node['x-kubernetes-validations'] ?? []) as { rule: string }[]).map((r) => `${at}: ${r.rule}`),
    );
    expect(rules).toEqual(
      expect.arrayContaining([
        '.spec.models: size(self.families) > 0',
        '.spec.promotion: self.minRelativeImprovement >= -1.0 && self.minRelativeImprovement <= 1.0',
        '.spec.promotion.constraints[]: has(self.min) || has(self.max)',
        ".spec.tracking: self.backend != 'mlflow' || has(self.uri)",
      ]),
    );
    expect(rules.some((r) => r.startsWith('.spec.schedule: self.matches('))).toBe(true);
    expect(rules.some((r) => r.startsWith('.spec.report.schedule: self.matches('))).toBe(true);
    const version = (recModelCrd() as { spec: { versions: Node[] } }).spec.versions[0];
    expect(version.subresources).toEqual({ status: {} });
    expect((version.additionalPrinterColumns as { name: string }[]).map((c) => c.name)).toEqual([
      'Production',
      'Staging',
      'NDCG@10',
      'Ready',
      'Age',
    ]);
  });

  it('has the defaults zod fills in', () => {
    const spec = (openApi().properties as Record<string, Node>).spec;
    const promotion = (spec.properties as Record<string, Node>).promotion.properties as Record<string, Node>;
    expect(promotion.minRelativeImprovement.default).toBe(0.01);
    expect(
      ((spec.properties as Record<string, Node>).selection.properties as Record<string, Node>).minCoverage.default,
    ).toBe(0.5);
  });
});

describe('examples/recmodel.yaml', () => {
  it('parses as a complete RecModel', () => {
    const text = readFileSync(path.join(root, 'examples', 'recmodel.yaml'), 'utf8');
    const result = parseRecModel(text);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { spec, metadata } = result.recModel;
    expect(metadata.name).toBe('movies');
    expect(spec.models.families.map((f) => f.name)).toEqual([
      'popularity',
      'itemknn',
      'als',
      'ease_trend',
      'ease_active_trend',
    ]);
    expect(spec.schedule).toBe('0 3 * * *');
    // Every field the example writes is a field of the schema (nothing silently ignored).
    expect(Object.keys(parse(text).spec).sort()).toEqual(Object.keys(spec).sort());
  });
});
