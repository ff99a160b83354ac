/**
 * Recall and latency of the usearch HNSW item index against exact cosine top-k, over a grid of HNSW settings.
 *   (a) the ml-100k fit catalogue: 64 ALS item factors fit on the prepared train + validation positives;
 *   (b) 50,000 items × 64 factors from ALS fit on the structured synthetic data (trainer/src/data/synth.ts).
 * Queries are items (the /similar path: the item itself is excluded), sampled without replacement.
 * recall@10 counts an ANN result as found when its exact cosine reaches the exact 10th best (within 1e-6): ALS gives
 * groups of items the same direction, and which tied item fills the last place is arbitrary. "id recall" counts
 * only the exact top-10's own items.
 * Usage: node bench/ann.ts [--queries 1000] [--seed 1] [--json] [--cache DIR]
 *   --cache keeps the ALS factors of (b) in DIR between runs (the synthetic data and the fit take about a minute).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExactCosine } from '../core/src/ann/exact.ts';
import { DEFAULT_ANN_BUILD, ItemIndex } from '../core/src/ann/item-index.ts';
import { overlapRecall, TIE_EPSILON, tieAwareRecall } from '../core/src/ann/recall.ts';
import { mulberry32 } from '../core/src/metrics/prng.ts';
import { ml100kDir } from '../core/src/testing/fixtures.ts';
import { prepareDataset } from '../trainer/src/data/prepare.ts';
import { readPrepared } from '../trainer/src/data/prepared.ts';
import { fitAls } from '../trainer/src/models/als/fit.ts';
import { alsOnSynth } from '../trainer/src/testing/synthetic-als.ts';

const K = 10;
const DIMS = 64;
const CONNECTIVITIES = [8, 16, 32];
const EXPANSION_ADD = DEFAULT_ANN_BUILD.expansionAdd;
const EXPANSION_SEARCHES = [16, 32, 64, 128, 256];
const TARGET_RECALL = 0.99;

interface Embeddings {
  name: string;
  source: string;
  vectors: Float32Array;
  items: number;
}

interface Row {
  case: string;
  items: number;
  connectivity: number;
  expansion_add: number;
  expansion_search: number;
  /** Hits by item identity. */
  id_recall_at_10: number;
  /** Hits counting items tied (within TIE_EPSILON cosine) with the exact 10th best. */
  recall_at_10: number;
  build_ms: number;
  build_cpu_ms: number;
  query_p50_us: number;
  query_p95_us: number;
  query_cpu_us: number;
  exact_p50_us: number;
  exact_cpu_us: number;
}

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    cache: { type: 'string' },
  },
});
const queries = Number(args.queries);
const seed = Number(args.seed);

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function sampleItems(items: number, count: number): Uint32Array {
  const random = mulberry32(seed);
  const order = Uint32Array.from({ length: items }, (_, i) => i);
  const n = Math.min(count, items);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, n);
}

/** CPU time (user + system) of this process since `start`, in µs: unlike wall time, it ignores other load. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/**
 * Wall-clock median and 95th percentile of one call per query, in µs, after a short warm-up, and the mean CPU time
 * per query (the machine is shared, so wall percentiles include time spent waiting for a core).
 */
function latency(sample: Uint32Array, run: (item: number) => unknown): { p50: number; p95: number; cpu: number } {
  for (let q = 0; q < Math.min(50, sample.length); q++) run(sample[q]);
  const times = new Float64Array(sample.length);
  const cpuStart = process.cpuUsage();
  for (let q = 0; q < sample.length; q++) {
    const start = process.hrtime.bigint();
    run(sample[q]);
    times[q] = Number(process.hrtime.bigint() - start) / 1000;
  }
  const cpu = cpuSince(cpuStart) / sample.length;
  times.sort();
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), cpu };
}

async function ml100kAls(): Promise<Embeddings> {
  const source = ml100kDir();
  if (!source) throw new Error('MovieLens 100K not found (../shared/data/ml-100k or RECSYS_ML100K)');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-ann-ml100k-'));
  try {
    await prepareDataset({ source, out: dir + '/prepared' });
    const data = readPrepared(dir + '/prepared');
    // Confidence 1 + 5·r with r = 1 for a positive (PROTOCOL.md's tuned ALS), at the index's 64 dimensions.
    const values = new Float32Array(data.fit.indices.length).fill(6);
    const model = fitAls(
      { ...data.fit, values },
      { factors: DIMS, regularization: 10, iterations: 15, cgSteps: 3, seed },
    );
    return {
      name: 'a: ml-100k',
      source: `ALS item factors fit on ml-100k train + validation (${data.fit.cols} items)`,
      vectors: model.itemFactors,
      items: data.fit.cols,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cachedAlsOnSynth(items: number): Promise<Embeddings> {
  if (!args.cache) return synthAlsEmbeddings(items);
  const file = path.join(args.cache, `ann-als-synth-seed${seed}-${items}x${DIMS}.f32`);
  const sourceFile = `${file}.source`;
  if (existsSync(file) && existsSync(sourceFile)) {
    const bytes = readFileSync(file);
    const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice();
    return { name: 'b: 50k items', source: `${readFileSync(sourceFile, 'utf8')} (cached in ${file})`, vectors, items };
  }
  const embeddings = await synthAlsEmbeddings(items);
  mkdirSync(args.cache, { recursive: true });
  writeFileSync(file, embeddings.vectors);
  writeFileSync(sourceFile, embeddings.source);
  return embeddings;
}

async function synthAlsEmbeddings(items: number): Promise<Embeddings> {
  const start = performance.now();
  // ~72% of 68,000 movies get a positive from 2M ratings: enough for 50,000 indexed items.
  const model = alsOnSynth({
    users: 25_000,
    movies: 68_000,
    interactions: 2_000_000,
    factors: DIMS,
    iterations: 10,
    seed,
  });
  log(`synthetic data (${model.positives} positives, ${model.items} items with a positive) and ALS fit: ${ms(start)}`);
  if (model.items < items) throw new Error(`the synthetic data has only ${model.items} items with a positive`);
  return {
    name: 'b: 50k items',
    source: `ALS item factors fit on structured synthetic data (25,000 users, ${model.items} items, first ${items} indexed)`,
    vectors: model.itemFactors.slice(0, items * DIMS),
    items,
  };
}

function measure(embeddings: Embeddings, scratch: string): Row[] {
  const sample = sampleItems(embeddings.items, queries);
  const exact = new ExactCosine(embeddings.vectors, DIMS);
  const exactTop = (item: number, k = K) => exact.topK(exact.unitVector(item), k, { exclude: Uint32Array.of(item) });
  // One more than k, to see whether the 10th place is tied with the 11th.
  const exactTopsPlusOne = Array.from(sample, (item) => exactTop(item, K + 1));
  const exactTops = exactTopsPlusOne.map((top) => ({
    items: top.items.subarray(0, K),
    similarities: top.similarities.subarray(0, K),
  }));
  const exactLatency = latency(sample, exactTop);
  const tied = exactTopsPlusOne.filter((top) => top.similarities[K - 1] - top.similarities[K] < TIE_EPSILON).length;
  log(`exact top-10 is tied with the 11th (cosine within ${TIE_EPSILON}) for ${tied} of ${sample.length} queries`);
  const rows: Row[] = [];
  for (const connectivity of CONNECTIVITIES) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const built = ItemIndex.build(embeddings.vectors, DIMS, { connectivity, expansionAdd: EXPANSION_ADD });
    const buildMs = performance.now() - start;
    const buildCpuMs = cpuSince(cpuStart) / 1000;
    const file = path.join(scratch, `m${connectivity}.usearch`);
    built.save(file);
    for (const expansionSearch of EXPANSION_SEARCHES) {
      const index = ItemIndex.load(file, embeddings.vectors, { ...built.settings, expansion_search: expansionSearch });
      let recall = 0;
      let idRecall = 0;
      sample.forEach((item, q) => {
        const found = index.query(item, K).items;
        const query = exact.unitVector(item);
        idRecall += overlapRecall(found, exactTops[q].items);
        recall += tieAwareRecall(found, exactTops[q], (other) => exact.similarity(query, other));
      });
      const { p50, p95, cpu } = latency(sample, (item) => index.query(item, K));
      rows.push({
        case: embeddings.name,
        items: embeddings.items,
        connectivity,
        expansion_add: EXPANSION_ADD,
        expansion_search: expansionSearch,
        id_recall_at_10: idRecall / sample.length,
        recall_at_10: recall / sample.length,
        build_ms: Math.round(buildMs),
        build_cpu_ms: Math.round(buildCpuMs),
        query_p50_us: Math.round(p50),
        query_p95_us: Math.round(p95),
        query_cpu_us: Math.round(cpu),
        exact_p50_us: Math.round(exactLatency.p50),
        exact_cpu_us: Math.round(exactLatency.cpu),
      });
    }
  }
  return rows;
}

function ms(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

function log(line: string): void {
  if (!args.json) console.log(line);
}

function printTable(rows: Row[]): void {
  const header = ['M', 'ef_add', 'ef_search', 'recall@10', 'id recall', 'build ms', 'build cpu ms', 'query p50 µs'];
  header.push('p95 µs', 'cpu µs/query', 'exact p50 µs', 'exact cpu µs');
  log(header.map((h) => h.padStart(9)).join(' '));
  for (const r of rows) {
    const cells = [r.connectivity, r.expansion_add, r.expansion_search, r.recall_at_10.toFixed(4)];
    cells.push(r.id_recall_at_10.toFixed(4), r.build_ms, r.build_cpu_ms, r.query_p50_us, r.query_p95_us);
    cells.push(r.query_cpu_us, r.exact_p50_us, r.exact_cpu_us);
    const mark = r.recall_at_10 >= TARGET_RECALL ? '' : '  < target';
    log(cells.map((c, i) => String(c).padStart(Math.max(9, header[i].length))).join(' ') + mark);
  }
}

const loadNote = () => `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
const scratch = mkdtempSync(path.join(tmpdir(), 'bench-ann-index-'));
log(`usearch HNSW vs exact cosine, k = ${K}, single-threaded build and queries; ${loadNote()}`);
try {
  const all: Row[] = [];
  for (const load of [ml100kAls, () => cachedAlsOnSynth(50_000)]) {
    const embeddings = await load();
    log(`\n(${embeddings.name}) ${embeddings.items} items × ${DIMS} dims — ${embeddings.source}; ${queries} queries`);
    const rows = measure(embeddings, scratch);
    printTable(rows);
    all.push(...rows);
    const chosen = rows.find(
      (r) =>
        r.connectivity === DEFAULT_ANN_BUILD.connectivity && r.expansion_search === DEFAULT_ANN_BUILD.expansionSearch,
    );
    if (chosen) {
      log(
        `default (M ${chosen.connectivity}, ef_add ${chosen.expansion_add}, ef_search ${chosen.expansion_search}): ` +
          `recall@10 ${chosen.recall_at_10.toFixed(4)}, build ${chosen.build_ms} ms (cpu ${chosen.build_cpu_ms} ms), ` +
          `query p50 ${chosen.query_p50_us} µs, p95 ${chosen.query_p95_us} µs, cpu ${chosen.query_cpu_us} µs/query` +
          (chosen.recall_at_10 >= TARGET_RECALL ? '' : `  BELOW the ${TARGET_RECALL} target`),
      );
    }
  }
  log(`\n${loadNote()} at the end`);
  if (args.json) console.log(JSON.stringify(all));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
