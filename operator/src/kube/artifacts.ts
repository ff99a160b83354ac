import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import { runDir } from './names.ts';

export type RunResult =
  | { ok: true; version: string; metrics: Record<string, number> }
  | { ok: false; reason: string; message: string };

/** Reads JSON the trainer wrote, or says what is missing and where. */
function readJson(file: string): { ok: true; value: unknown } | { ok: false; reason: string; message: string } {
  if (!existsSync(file)) {
    return {
      ok: false,
      reason: 'NoResult',
      message: `${file} is missing on the artifact volume; the Job exited without writing it`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    return { ok: false, reason: 'BadResult', message: `${file} is not JSON: ${(error as Error).message}` };
  }
}

/**
 * A finished trainer Job's result: the version from `train.json`, the metrics from the bundle's manifest
 * (validation, as the gate's NDCG@10 column is filled from the decision itself).
 */
export function readRunResult(store: string, model: string, jobName: string): RunResult {
  const train = readJson(path.join(runDir(store, model, jobName), 'train.json'));
  if (!train.ok) return train;
  const version = (train.value as { version?: unknown }).version;
  if (typeof version !== 'string' || version === '') {
    return { ok: false, reason: 'BadResult', message: `train.json of ${jobName} names no version` };
  }
  const manifest = readJson(path.join(store, model, version, 'manifest.json'));
  if (!manifest.ok) return manifest;
  const validation =
    (manifest.value as { metrics?: { validation?: Record<string, unknown> } }).metrics?.validation ?? {};
  const metrics = Object.fromEntries(
    Object.entries(validation).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
  );
  return { ok: true, version, metrics };
}

export type GateResult = { ok: true; decision: PromotionDecision } | { ok: false; reason: string; message: string };

/** A finished gate Job's decision (`recsys promote --json`), with the failed rules named from its metric rows. */
export function readGateResult(store: string, model: string, jobName: string): GateResult {
  const gate = readJson(path.join(runDir(store, model, jobName), 'gate.json'));
  if (!gate.ok) return gate;
  const decision = gate.value as Partial<PromotionDecision>;
  if (decision.verdict !== 'promote' && decision.verdict !== 'retain') {
    return { ok: false, reason: 'BadResult', message: `gate.json of ${jobName} has no verdict promote|retain` };
  }
  const metrics = decision.metrics ?? [];
  const failedRules =
    decision.failed_rules ??
    (decision.verdict === 'retain' ? metrics.filter((m) => !m.passed).map((m) => `${m.name}: ${m.rule}`) : []);
  return {
    ok: true,
    decision: {
      verdict: decision.verdict,
      summary: decision.summary ?? '',
      candidate_version: decision.candidate_version ?? '',
      production_version: decision.production_version ?? null,
      metrics,
      ci: decision.ci ?? null,
      gate_window: decision.gate_window ?? { from: '', to: '', interactions: 0, users: 0 },
      failed_rules:
        failedRules.length > 0 || decision.verdict === 'promote' ? failedRules : [decision.summary ?? 'retained'],
    },
  };
}
