import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pausePoint } from '@recsys/core/bundle/crash';
import type { Bundle } from '@recsys/core/bundle/reader';
import { decidePromotion, type PromotionDecision } from '@recsys/core/promotion/gate';
import { DEFAULT_POLICY, type PromotionPolicy } from '@recsys/core/promotion/policy';
import type { ApplyOutcome } from '@recsys/core/recmodel/effects';
import { readPrepared } from '../data/prepared.ts';
import { type DecisionOutcome, Registry } from '../registry/registry.ts';
import { TRACKING_URI_ENV, trackerForStore } from '../tracking/for-store.ts';
import type { Tracker } from '../tracking/tracker.ts';
import { candidateContender, openVersion, productionContender } from './contender.ts';
import { type GateEvaluation, scoreGate } from './score.ts';

export interface PromoteOptions {
  store: string;
  modelName: string;
  version: string;
  policy?: PromotionPolicy;
  /** The prepared dataset whose validation holds the gate window; by default the one the candidate was trained on. */
  data?: string;
  dryRun?: boolean;
  /** Mirrors the stage moves; by default the store's tracker (embedded, or MLflow when RECSYS_TRACKING_URI is set). */
  tracker?: Tracker;
  /** Says when the gate runs again because Production moved. */
  onProgress?: (message: string) => void;
}

export interface PromoteResult {
  decision: PromotionDecision;
  /** Paired per-user scores behind the decision (MovieLens user ids), for anyone who wants to recompute it. */
  evaluation: GateEvaluation | null;
  applied: boolean;
  /** Set when the tracker could not mirror the stage moves (the registry has them; the spool keeps the rest). */
  tracking_error: string | null;
}

/**
 * `recsys promote`: the gate's dry run (candidate and Production scored on the gate window, the policy applied),
 * then — unless dry-run — the decision applied with a compare-and-set on Production. A decision whose Production
 * moved meanwhile (another promotion landed between scoring and applying) is refused and the candidate is gated
 * again against the new Production, so a slower, worse candidate never replaces a better one.
 */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  for (let attempt = 1; ; attempt++) {
    const { decision, evaluation } = await gate(options);
    if (options.dryRun) return { decision, evaluation, applied: false, tracking_error: null };
    await pausePoint('promote:decided');
    const result = await applyDecision({ ...options, decision });
    if (result.outcome === 'applied')
      return { decision, evaluation, applied: true, tracking_error: result.tracking_error };
    if (result.outcome === 'already-applied') return { decision, evaluation, applied: false, tracking_error: null };
    if (attempt >= MAX_GATE_ATTEMPTS) {
      throw new Error(
        `Production of ${options.modelName} kept moving while ${options.version} was gated (${attempt} attempts, now ${result.production_version}); run recsys promote again`,
      );
    }
    options.onProgress?.(
      `Production moved to ${result.production_version ?? 'none'} while ${options.version} was gated against ${decision.production_version ?? 'none'}; gating it again`,
    );
  }
}

/** Regating after a refused compare-and-set: enough for any realistic burst of concurrent promotions. */
const MAX_GATE_ATTEMPTS = 5;

/** The gate's dry run: scores the candidate (train-only fit) and Production on the gate window and decides. */
export async function gate(
  options: PromoteOptions,
): Promise<{ decision: PromotionDecision; evaluation: GateEvaluation }> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const registry = Registry.open(options.store);
  let current: string | null;
  try {
    if (!registry.get(options.modelName, options.version)) {
      throw new Error(
        `${options.modelName} has no registered version "${options.version}" in ${options.store}; \`recsys models list\` shows them`,
      );
    }
    current = registry.production(options.modelName)?.version ?? null;
  } finally {
    registry.close();
  }
  const candidateBundle = await openVersion(options.store, options.modelName, options.version);
  const candidate = candidateContender(candidateBundle);
  const dataDir = gateDataDir(options, candidateBundle);
  const data = readPrepared(dataDir);
  if (data.manifest.fingerprint !== candidateBundle.manifest.dataset.fingerprint) {
    throw new Error(
      `${dataDir} holds another dataset than the one ${options.version} was trained on (fingerprint ${data.manifest.fingerprint.slice(0, 12)}… vs ${candidateBundle.manifest.dataset.fingerprint.slice(0, 12)}…)`,
    );
  }
  if (!current || current === options.version) {
    // No Production to compare with: the decision still records the candidate's numbers on the window.
    const evaluation = scoreGate(data, candidate, candidate);
    return { decision: decidePromotion(policy, evaluation.candidate, null, evaluation.window), evaluation };
  }
  const production = productionContender(
    await openVersion(options.store, options.modelName, current),
    candidate.fitCutoff,
  );
  const evaluation = scoreGate(data, candidate, production);
  return {
    decision: decidePromotion(policy, evaluation.candidate, evaluation.production, evaluation.window),
    evaluation,
  };
}

function gateDataDir(options: PromoteOptions, candidate: Bundle): string {
  const dataDir = options.data ?? String(candidate.manifest.extra.dataset_dir ?? '');
  if (!dataDir || !existsSync(dataDir)) {
    throw new Error(
      `the gate needs the prepared dataset ${options.version} was trained on (${dataDir || 'not recorded'}); pass --data <dir>`,
    );
  }
  return dataDir;
}

export interface ApplyDecisionOptions {
  store: string;
  modelName: string;
  /** A decision the gate's dry run computed earlier. */
  decision: PromotionDecision;
  tracker?: Tracker;
  /** The MLflow server the decision is mirrored to, when no tracker is given (default: RECSYS_TRACKING_URI). */
  trackingUri?: string;
}

/**
 * Applies a gate's decision through the registry's compare-and-set (`Registry.applyDecision`), then mirrors it to
 * the tracker. Idempotent, so a runtime may carry it out again after a crash.
 */
export async function applyDecision(options: ApplyDecisionOptions): Promise<ApplyOutcome> {
  const { decision } = options;
  const registry = Registry.open(options.store);
  let outcome: DecisionOutcome;
  try {
    outcome = registry.applyDecision(options.modelName, decision);
  } finally {
    registry.close();
  }
  if (outcome.outcome !== 'applied') return outcome;
  const tracker =
    options.tracker ?? trackerForStore(options.store, options.trackingUri ?? process.env[TRACKING_URI_ENV]);
  const finalStage = decision.verdict === 'promote' ? 'Production' : 'Archived';
  const tracking_error = await mirrorDecision(tracker, options.modelName, decision, finalStage).finally(() =>
    options.tracker ? undefined : tracker.close(),
  );
  return { outcome: 'applied', tracking_error };
}

/**
 * The registry decided; the tracker records the decision (a run with every metric and the decision as an
 * artifact) and mirrors None → Staging → Production | Archived. A tracker failure loses nothing.
 */
async function mirrorDecision(
  tracker: Tracker,
  modelName: string,
  decision: PromotionDecision,
  finalStage: 'Production' | 'Archived',
): Promise<string | null> {
  const version = decision.candidate_version;
  const scratch = mkdtempSync(path.join(tmpdir(), 'recsys-decision-'));
  try {
    const run = await tracker.startRun({
      experiment: modelName,
      runName: `promotion ${version}`,
      tags: { kind: 'promotion', verdict: decision.verdict, bundle_version: version, model_name: modelName },
    });
    const metrics: Record<string, number> = {};
    for (const m of decision.metrics) {
      metrics[`gate.candidate.${m.name}`] = m.candidate;
      if (m.production !== null) metrics[`gate.production.${m.name}`] = m.production;
    }
    await run.logMetrics(metrics);
    const file = path.join(scratch, 'decision.json');
    writeFileSync(file, `${JSON.stringify(decision, null, 2)}\n`);
    await run.logArtifact(file, 'promotion');
    await run.end('FINISHED');
    await tracker.transitionStage({ modelName, version, stage: 'Staging' });
    await tracker.transitionStage({ modelName, version, stage: finalStage });
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
