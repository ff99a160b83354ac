import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decidePromotion, type PromotionDecision } from '@recsys/core/promotion/gate';
import { DEFAULT_POLICY, type PromotionPolicy } from '@recsys/core/promotion/policy';
import { readPrepared } from '../data/prepared.ts';
import { Registry } from '../registry/registry.ts';
import { trackerForStore } from '../tracking/for-store.ts';
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
 * `recsys promote`: scores the candidate (train-only fit) and Production on the gate window, applies the
 * policy, and — unless dry-run — moves stages (None → Staging → Production, or Archived when retained),
 * records the decision, and rewrites the Production pointer serving follows.
 */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const registry = Registry.open(options.store);
  try {
    const record = registry.get(options.modelName, options.version);
    if (!record) {
      throw new Error(
        `${options.modelName} has no registered version "${options.version}" in ${options.store}; \`recsys models list\` shows them`,
      );
    }
    const candidateBundle = await openVersion(options.store, options.modelName, options.version);
    const candidate = candidateContender(candidateBundle);
    const dataDir = options.data ?? String(candidateBundle.manifest.extra.dataset_dir ?? '');
    if (!dataDir || !existsSync(dataDir)) {
      throw new Error(
        `the gate needs the prepared dataset ${options.version} was trained on (${dataDir || 'not recorded'}); pass --data <dir>`,
      );
    }
    const data = readPrepared(dataDir);
    if (data.manifest.fingerprint !== candidateBundle.manifest.dataset.fingerprint) {
      throw new Error(
        `--data ${dataDir} is not the dataset ${options.version} was trained on (fingerprint ${data.manifest.fingerprint.slice(0, 12)}… vs ${candidateBundle.manifest.dataset.fingerprint.slice(0, 12)}…)`,
      );
    }

    const current = registry.production(options.modelName);
    let decision: PromotionDecision;
    let evaluation: GateEvaluation | null = null;
    if (!current || current.version === options.version) {
      // No Production to compare with: the decision still records the candidate's numbers on the window.
      evaluation = scoreGate(data, candidate, candidate);
      decision = decidePromotion(policy, evaluation.candidate, null, evaluation.window);
    } else {
      const production = productionContender(
        await openVersion(options.store, options.modelName, current.version),
        candidate.fitCutoff,
      );
      evaluation = scoreGate(data, candidate, production);
      decision = decidePromotion(policy, evaluation.candidate, evaluation.production, evaluation.window);
    }

    if (options.dryRun) return { decision, evaluation, applied: false, tracking_error: null };
    const tracking_error = await recordAndMove(registry, options, decision);
    return { decision, evaluation, applied: true, tracking_error };
  } finally {
    registry.close();
  }
}

export interface ApplyDecisionOptions {
  store: string;
  modelName: string;
  /** A decision `promote({ dryRun: true })` computed earlier (the local runtime's gate step). */
  decision: PromotionDecision;
  tracker?: Tracker;
}

export type ApplyDecisionResult =
  | { outcome: 'applied'; tracking_error: string | null }
  /** The candidate already left None/Staging: this decision (or another) was applied before. */
  | { outcome: 'already-applied' }
  /** Production moved since the gate scored it; the gate must run again against the new Production. */
  | { outcome: 'stale'; production_version: string | null };

/**
 * Applies a precomputed gate decision: the same records and stage moves as `promote`, provided Production is
 * still the version the gate compared with. Idempotent, so a runtime may carry it out again after a crash.
 */
export async function applyDecision(options: ApplyDecisionOptions): Promise<ApplyDecisionResult> {
  const { decision } = options;
  const registry = Registry.open(options.store);
  try {
    const record = registry.get(options.modelName, decision.candidate_version);
    if (!record) {
      throw new Error(
        `${options.modelName} has no registered version "${decision.candidate_version}" in ${options.store}; the decision cannot be applied`,
      );
    }
    if (record.stage !== 'None' && record.stage !== 'Staging') return { outcome: 'already-applied' };
    const current = registry.production(options.modelName)?.version ?? null;
    if (current !== decision.production_version && current !== decision.candidate_version)
      return { outcome: 'stale', production_version: current };
    const tracking_error = await recordAndMove(
      registry,
      {
        store: options.store,
        modelName: options.modelName,
        version: decision.candidate_version,
        tracker: options.tracker,
      },
      decision,
    );
    return { outcome: 'applied', tracking_error };
  } finally {
    registry.close();
  }
}

/** None → Staging → Production | Archived with the decision recorded, mirrored to the tracker. */
async function recordAndMove(
  registry: Registry,
  options: Pick<PromoteOptions, 'store' | 'modelName' | 'version' | 'tracker'>,
  decision: PromotionDecision,
): Promise<string | null> {
  const finalStage = decision.verdict === 'promote' ? 'Production' : 'Archived';
  registry.transition(options.modelName, options.version, 'Staging', 'candidate under the promotion gate');
  registry.recordDecision(options.modelName, decision);
  registry.transition(options.modelName, options.version, finalStage, decision.summary);
  const tracker = options.tracker ?? trackerForStore(options.store);
  return mirrorDecision(tracker, options.modelName, decision, finalStage).finally(() =>
    options.tracker ? undefined : tracker.close(),
  );
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
