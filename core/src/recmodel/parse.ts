import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type RecModel, RecModelSchema } from './types.ts';

/** One problem with a RecModel, located by its path (e.g. `spec.promotion.minRelativeImprovement`). */
export interface RecModelProblem {
  path: string;
  message: string;
}

export type ParseRecModelResult = { ok: true; recModel: RecModel } | { ok: false; problems: RecModelProblem[] };

/** Thrown by `parseRecModelOrThrow`: its message lists every problem, one per line, with its path. */
export class RecModelError extends Error {
  readonly problems: RecModelProblem[];
  constructor(problems: RecModelProblem[], source?: string) {
    const where = source ? ` in ${source}` : '';
    super(
      `invalid RecModel${where}:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}\n` +
        'Fix these fields (examples/recmodel.yaml is a complete, commented RecModel).',
    );
    this.name = 'RecModelError';
    this.problems = problems;
  }
}

/** Parses a RecModel from YAML (or JSON) text or an already-parsed object, filling defaults. */
export function parseRecModel(input: string | unknown): ParseRecModelResult {
  let value: unknown = input;
  if (typeof input === 'string') {
    const document = parseDocument(input, { prettyErrors: true });
    if (document.errors.length > 0) {
      return {
        ok: false,
        problems: document.errors.map((e) => ({ path: '(yaml)', message: e.message.replace(/\s+/g, ' ').trim() })),
      };
    }
    value = document.toJS();
  }
  const parsed = RecModelSchema.safeParse(value);
  if (parsed.success) return { ok: true, recModel: parsed.data };
  return { ok: false, problems: problemsOf(parsed.error) };
}

/** `parseRecModel`, throwing a `RecModelError` that names every problem (for CLIs that stop on the first error). */
export function parseRecModelOrThrow(input: string | unknown, source?: string): RecModel {
  const result = parseRecModel(input);
  if (!result.ok) throw new RecModelError(result.problems, source);
  return result.recModel;
}

function problemsOf(error: z.ZodError): RecModelProblem[] {
  return error.issues.map((issue) => ({ path: pathOf(issue.path), message: messageOf(issue) }));
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}; check the spelling`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required: expected ${issue.expected}`;
  return issue.message;
}
