/**
 * `make bench-regret`: selection regret, measured outside the product's selection path (issue 19). For each dataset
 * and each validation scheme (the protocol's single split, rolling-origin folds), a plain `recsys train` chooses on
 * validation; then every candidate the search tried, in every family, is refit on train + validation and scored on
 * test — here only, never by the product. Per family: regret = the best test NDCG@10 over those candidates (the
 * ones whose refit lists meet the selection rule, label-free, as the product's re-check does) − the test NDCG@10 of
 * the pick. Both schemes screen the same candidates (on the protocol's validation), so their regrets compare over
 * one pool; they differ in what the pick is confirmed on. Also, per scheme, the pick's test NDCG@10
 * and top-10 Jaccard beside trending popularity's (issue 15's generalisation check).
 * Datasets: MovieLens 100K, its oldest 60% as a second MovieLens time slice (both when present), and two synthetic
 * shapes (`recsys data synth`). Rolling validation should be the default only where its regret is no worse.
 * Usage: node bench/selection/regret.ts [--datasets ml-100k,ml-100k-early,synth-small,synth-wide] [--folds 1,3] [--json]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ml100kDir } from '../../core/src/testing/fixtures.ts';
import { prepareDataset } from '../../trainer/src/data/prepare.ts';
import { readPrepared } from '../../trainer/src/data/prepared.ts';
import { synthesize } from '../../trainer/src/data/synth.ts';
import { evaluate } from '../../trainer/src/evaluate/evaluate.ts';
import { familiesByName } from '../../trainer/src/train/families/index.ts';
import type { Params } from '../../trainer/src/train/family.ts';
import { recommenderFor } from '../../trainer/src/train/search.ts';
import { DEFAULT_SELECTION, verdict } from '../../trainer/src/train/selection.ts';
import { configKey, type TrainResult, train } from '../../trainer/src/train/train.ts';
import { fitWindow } from '../../trainer/src/train/window.ts';

const SYNTHETIC: Record<string, { users: number; items: number; interactions: number; seed: number }> = {
  'synth-small': { users: 2000, items: 600, interactions: 120_000, seed: 11 },
  'synth-wide': { users: 5000, items: 1500, interactions: 250_000, seed: 23 },
};

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'ml-100k,ml-100k-early,synth-small,synth-wide' },
    folds: { type: 'string', default: '1,3' },
    json: { type: 'boolean', default: false },
  },
});
const schemes = args.folds.split(',').map(Number);
const load = () => `load average ${loadavg()[0].toFixed(1)}`;

interface FamilyRegret {
  family: string;
  candidates: number;
  pick: number;
  best: number;
  regret: number;
}
interface SchemeResult {
  dataset: string;
  folds: number;
  best: string;
  pick: { ndcg: number; jaccard: number; coverage: number };
  trending: number;
  families: FamilyRegret[];
  minutes: number;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'recsys-bench-regret-'));
const results: SchemeResult[] = [];
try {
  for (const name of args.datasets.split(',')) {
    const prepared = await dataset(name);
    if (!prepared) {
      console.log(`${name}: skipped (MovieLens 100K not found: set RECSYS_ML100K)`);
      continue;
    }
    const data = readPrepared(prepared);
    const refit = fitWindow(data, 'fit');
    const testScores = new Map<string, { ndcg: number; accepted: boolean }>();
    const onTest = async (family: string, params: Params) => {
      const key = configKey(family, params);
      if (!testScores.has(key)) {
        const [model] = familiesByName([family]);
        const recommender = recommenderFor(await model.fit(refit, params), refit);
        const scored = evaluate({ recommender, heldOut: refit.heldOut, bootstrap: { resamples: 1 } });
        const lists = { ...scored.coverage, ...scored.beyond };
        testScores.set(key, {
          ndcg: scored.warm.metrics['ndcg@10'],
          accepted: verdict(lists, DEFAULT_SELECTION).eligible,
        });
      }
      return testScores.get(key)!;
    };
    for (const folds of schemes) {
      const started = performance.now();
      const result: TrainResult = await train({ data: prepared, store: path.join(scratch, `${name}-${folds}`), folds });
      const families: FamilyRegret[] = [];
      for (const [family, report] of Object.entries(result.models)) {
        const scored = await Promise.all(report.trials.map((trial) => onTest(family, trial.params)));
        const accepted = scored.filter((score) => score.accepted);
        const pool = accepted.length > 0 ? accepted : scored;
        const pick = (await onTest(family, report.params)).ndcg;
        const best = Math.max(pick, ...pool.map((score) => score.ndcg));
        families.push({ family, candidates: report.trials.length, pick, best, regret: best - pick });
      }
      const winner = result.models[result.best];
      const trending = result.models.popularity?.test['ndcg@10'] as number;
      const minutes = (performance.now() - started) / 60_000;
      results.push({
        dataset: name,
        folds,
        best: result.best,
        pick: {
          ndcg: winner.test['ndcg@10'] as number,
          jaccard: winner.test['jaccard@10'] as number,
          coverage: winner.test['coverage@100'] as number,
        },
        trending,
        families,
        minutes,
      });
      console.log(
        `${name}, ${folds === 1 ? 'single split' : `${folds} rolling folds`}: picked ${result.best} — test NDCG@10 ${(winner.test['ndcg@10'] as number).toFixed(4)}, Jaccard ${(winner.test['jaccard@10'] as number).toFixed(3)}, coverage@100 ${(winner.test['coverage@100'] as number).toFixed(3)}; trending popularity ${trending?.toFixed(4)} (${minutes.toFixed(1)} min, ${load()})`,
      );
      for (const f of families) {
        console.log(
          `  ${f.family.padEnd(18)} ${String(f.candidates).padStart(2)} candidates  pick ${f.pick.toFixed(4)}  best ${f.best.toFixed(4)}  regret ${f.regret.toFixed(4)}`,
        );
      }
    }
  }
  console.log('\nmean regret over families (test NDCG@10), by dataset and scheme:');
  for (const name of new Set(results.map((r) => r.dataset))) {
    const cells = schemes.map((folds) => {
      const r = results.find((x) => x.dataset === name && x.folds === folds);
      if (!r) return '';
      const mean = r.families.reduce((s, f) => s + f.regret, 0) / r.families.length;
      return `${folds === 1 ? 'single' : `rolling ${folds}`} ${mean.toFixed(4)}`;
    });
    console.log(`  ${name.padEnd(14)} ${cells.join('   ')}`);
  }
  if (schemes.includes(1) && schemes.some((folds) => folds > 1)) {
    const rolling = Math.max(...schemes);
    console.log(
      `\nrolling validation (${rolling} folds) as a family's default only where its regret is no worse on every dataset:`,
    );
    for (const family of familiesByName(undefined)) {
      const worse = [...new Set(results.map((r) => r.dataset))].filter((name) => {
        const regret = (folds: number) =>
          results.find((r) => r.dataset === name && r.folds === folds)?.families.find((f) => f.family === family.name)
            ?.regret ?? 0;
        return regret(rolling) > regret(1) + 1e-9;
      });
      const due = worse.length === 0 ? rolling : 1;
      const declared = family.defaultFolds ?? 1;
      console.log(
        `  ${family.name.padEnd(18)} ${worse.length === 0 ? 'no worse anywhere' : `worse on ${worse.join(', ')}`} → ${due} fold(s); declared ${declared}: ${due === declared ? 'OK' : 'MISMATCH'}`,
      );
      if (due !== declared) process.exitCode = 1;
    }
  }
  if (args.json) writeFileSync(path.join(scratch, 'regret.json'), JSON.stringify(results, null, 2));
  if (args.json) process.stdout.write(`${readFileSync(path.join(scratch, 'regret.json'), 'utf8')}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** A prepared dataset by name: MovieLens 100K (or its oldest 60%), or a synthetic shape. */
async function dataset(name: string): Promise<string | undefined> {
  const out = path.join(scratch, `${name}-prepared`);
  if (name === 'ml-100k' || name === 'ml-100k-early') {
    const source = ml100kDir();
    if (!source) return undefined;
    let dir = source;
    if (name === 'ml-100k-early') {
      // "The data as it was earlier": every rating before the 60th percentile of time, same movies file.
      dir = path.join(scratch, 'ml-100k-early');
      mkdirSync(dir, { recursive: true });
      const lines = readFileSync(path.join(source, 'u.data'), 'latin1').split('\n').filter(Boolean);
      const times = lines.map((line) => Number(line.split('\t')[3])).sort((a, b) => a - b);
      const cutoff = times[Math.floor(times.length * 0.6)];
      const kept = lines.filter((line) => Number(line.split('\t')[3]) < cutoff);
      writeFileSync(path.join(dir, 'u.data'), `${kept.join('\n')}\n`, 'latin1');
      copyFileSync(path.join(source, 'u.item'), path.join(dir, 'u.item'));
    }
    await prepareDataset({ source: dir, out });
    return out;
  }
  const shape = SYNTHETIC[name];
  if (!shape)
    throw new Error(`unknown dataset ${name}: expected ml-100k, ml-100k-early or ${Object.keys(SYNTHETIC).join(', ')}`);
  const raw = path.join(scratch, `${name}-raw`);
  synthesize({ ...shape, out: raw });
  await prepareDataset({ source: raw, out });
  return out;
}
