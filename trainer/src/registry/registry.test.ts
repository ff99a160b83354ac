import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '@recsys/core/bundle/manifest';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import { productionPointerPath, readProductionPointer } from '@recsys/core/registry/pointer';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from './registry.ts';

function manifest(version: string, ndcg: number): Manifest {
  return {
    format_version: 1,
    model_name: 'movies',
    version,
    model_type: 'als',
    params: { factors: 16 },
    dataset: { fingerprint: 'f'.repeat(64), cutoffs: {}, fit_cutoff: '1998-03-01T00:00:00.000Z' },
    metrics: { validation: { 'ndcg@10': ndcg } },
    test_scored_for: null,
    files: {},
    created_at: new Date().toISOString(),
    parent_version: null,
    extra: {},
  };
}

function decisionFor(version: string, production: string | null, verdict: 'promote' | 'retain'): PromotionDecision {
  return {
    verdict,
    summary: `${verdict} ${version}`,
    candidate_version: version,
    production_version: production,
    metrics: [
      {
        name: 'ndcg@10',
        candidate: 0.2,
        production: 0.1,
        relative_change: 1,
        rule: 'relative change >= 1%',
        passed: true,
      },
    ],
    ci: null,
    gate_window: { from: '1998-03-01T00:00:00Z', to: '1998-04-01T00:00:00Z', interactions: 10, users: 3 },
    failed_rules: [],
    min_confidence: null,
    min_users: null,
  };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function openRegistry(): Registry {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return Registry.open(dir);
}

describe('registry', () => {
  it('moves versions None → Staging → Production and archives the replaced Production', () => {
    const registry = openRegistry();
    expect(registry.register(manifest('v1', 0.1)).stage).toBe('None');
    registry.register(manifest('v2', 0.2));
    registry.transition('movies', 'v1', 'Staging', 'candidate');
    registry.transition('movies', 'v1', 'Production', 'first model');
    expect(readProductionPointer(registry.store, 'movies')).toBe('v1');

    registry.transition('movies', 'v2', 'Production', 'gate passed');
    expect(registry.production('movies')!.version).toBe('v2');
    expect(registry.get('movies', 'v1')!.stage).toBe('Archived');
    expect(readProductionPointer(registry.store, 'movies')).toBe('v2');
    expect(registry.list('movies').map((v) => [v.version, v.stage])).toEqual([
      ['v1', 'Archived'],
      ['v2', 'Production'],
    ]);
    registry.close();
  });

  it('keeps metrics and decisions, and refuses an unknown version with a hint', () => {
    const registry = openRegistry();
    registry.register(manifest('v1', 0.15));
    expect(registry.get('movies', 'v1')!.metrics.validation['ndcg@10']).toBe(0.15);
    expect(() => registry.transition('movies', 'v9', 'Production', 'x')).toThrow(/no version "v9".*recsys models list/);
    const decision = decisionFor('v1', null, 'promote');
    registry.recordDecision('movies', decision);
    expect(registry.decisions('movies').map((d) => d.decision)).toEqual([decision]);
    expect(() => registry.recordDecision('movies', { verdict: 'promote', summary: 'first' } as never)).toThrow();
    registry.close();
  });

  it('applies a decision only while Production is the one it was taken against (compare-and-set)', () => {
    const registry = openRegistry();
    for (const v of ['v1', 'v2', 'v3']) registry.register(manifest(v, 0.1));
    registry.transition('movies', 'v1', 'Production', 'first');
    // v2 and v3 were both gated against v1; v3 lands first.
    expect(registry.applyDecision('movies', decisionFor('v3', 'v1', 'promote'))).toEqual({ outcome: 'applied' });
    expect(registry.applyDecision('movies', decisionFor('v2', 'v1', 'promote'))).toEqual({
      outcome: 'stale',
      production_version: 'v3',
    });
    expect(registry.production('movies')?.version).toBe('v3');
    expect(registry.get('movies', 'v2')?.stage).toBe('None');
    expect(readProductionPointer(registry.store, 'movies')).toBe('v3');
    // Applying the same decision again moves nothing.
    expect(registry.applyDecision('movies', decisionFor('v3', 'v1', 'promote'))).toEqual({
      outcome: 'already-applied',
    });
    expect(registry.decisions('movies').map((d) => d.decision.candidate_version)).toEqual(['v3']);
    registry.close();
  });

  it('repairs a missing Production pointer on open (a crash after commit, before the pointer)', () => {
    const registry = openRegistry();
    registry.register(manifest('v1', 0.1));
    registry.transition('movies', 'v1', 'Production', 'first');
    registry.close();
    rmSync(productionPointerPath(registry.store, 'movies'));
    const reopened = Registry.open(registry.store);
    expect(readProductionPointer(reopened.store, 'movies')).toBe('v1');
    reopened.close();
  });

  it('deletes a bundle it never registered once it is older than the grace period (a trainer killed in between)', () => {
    const registry = openRegistry();
    registry.register(manifest('v1', 0.1));
    const write = (version: string, createdAt: string) => {
      const dir = path.join(registry.store, 'movies', version);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'manifest.json'),
        JSON.stringify({ ...manifest(version, 0.2), created_at: createdAt }),
      );
      return dir;
    };
    write('v1', '2026-01-01T00:00:00.000Z');
    const orphan = write('v0-orphan', '2026-01-01T00:00:00.000Z');
    const fresh = write('v2-being-registered', new Date().toISOString());
    expect(registry.removeOrphans()).toEqual(['movies/v0-orphan']);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(path.join(registry.store, 'movies', 'v1'))).toBe(true);
    // Past its grace period the younger one is an orphan too.
    const later = Date.parse('2100-01-01T00:00:00Z');
    expect(registry.removeOrphans(60_000, later)).toEqual(['movies/v2-being-registered']);
  });
});
