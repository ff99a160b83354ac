import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { DataError } from './errors.ts';
import { GROUND_TRUTH_FILE, type GroundTruth, TRUTH_FILES } from './ground-truth.ts';
import { Random } from './random.ts';

export interface SynthOptions {
  users: number;
  items: number;
  interactions: number;
  seed: number;
  out: string;
}

export interface SynthSummary {
  users: number;
  items: number;
  interactions: number;
  seed: number;
  /** Share of ratings >= 4. */
  positive_share: number;
  files: string[];
}

/** The ML-1M genre vocabulary, with how common each is among movies. */
const GENRES: [string, number][] = [
  ['Action', 0.13],
  ['Adventure', 0.07],
  ['Animation', 0.03],
  ["Children's", 0.05],
  ['Comedy', 0.2],
  ['Crime', 0.05],
  ['Documentary', 0.03],
  ['Drama', 0.25],
  ['Fantasy', 0.02],
  ['Film-Noir', 0.01],
  ['Horror', 0.06],
  ['Musical', 0.02],
  ['Mystery', 0.02],
  ['Romance', 0.08],
  ['Sci-Fi', 0.05],
  ['Thriller', 0.08],
  ['War', 0.03],
  ['Western', 0.01],
];
const FACTORS = 8;
const LATENT_SCALE = 0.8;
/** How strongly taste steers which movies a user picks, relative to what is popular at the time. */
const TASTE_STEER = 2.5;
/** Candidates drawn from popularity per pick; one is chosen among them by taste (sampling–importance–resampling). */
const CANDIDATES = 16;
const RATING_NOISE = 0.6;
/** ML-1M's rating distribution (1..5), which the synthetic ratings reproduce by quantile. */
const RATING_SHARES = [0.056, 0.108, 0.261, 0.349, 0.226];
const PERIOD_START = Date.UTC(2000, 0, 1) / 1000;
const PERIOD = 3 * 365 * 86400;
const BACK_CATALOGUE = 0.4;
/** Popularity left to a movie long after release, as a share of its launch popularity. */
const POPULARITY_FLOOR = 0.08;
const MAX_USER_SHARE_OF_CATALOGUE = 0.3;
const ADJECTIVES = [
  'Silent',
  'Last',
  'Red',
  'Broken',
  'Golden',
  'Lost',
  'Secret',
  'Wild',
  'Dark',
  'Little',
  'Café',
  'Eternal',
];
const NOUNS = [
  'River',
  'City',
  'Heart',
  'Summer',
  'Kingdom',
  'Road',
  'Garden',
  'Star',
  'Mirror',
  'Storm',
  'Mystère',
  'Island',
];

/**
 * Writes MovieLens-1M-layout files (ratings.dat, movies.dat, users.dat) drawn from a hidden model, plus that model
 * (ground_truth.json and truth.* arrays): users with low-rank tastes over genres and latent factors who arrive over
 * time with heavy-tailed activity, movies released over time whose popularity decays, ratings from taste + noise.
 * Deterministic for a seed; the output directory appears complete or not at all.
 */
export function synthesize(options: SynthOptions): SynthSummary {
  const { users, items, interactions, seed } = options;
  for (const [name, value] of Object.entries({ users, items, interactions })) {
    if (!Number.isInteger(value) || value < 1)
      throw new DataError(`--${name} must be a positive integer, got ${value}`);
  }
  const perUserCap = Math.max(1, Math.floor(items * MAX_USER_SHARE_OF_CATALOGUE));
  if (interactions < users || interactions > users * perUserCap) {
    throw new DataError(
      `--interactions ${interactions} does not fit ${users} users × ${items} items; expected between ${users} (one each) and ${users * perUserCap} (${MAX_USER_SHARE_OF_CATALOGUE * 100}% of the catalogue each)`,
    );
  }
  const random = new Random(seed);
  const truth = hiddenModel(random, users, items);
  const activity = userActivity(random, users, interactions, perUserCap);
  const events = drawEvents(random, truth, activity, interactions);
  const target = path.resolve(options.out);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new DataError('output directory exists and is not empty; choose another --out or remove it', {
      file: target,
    });
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    mkdirSync(temp);
    writeRatings(path.join(temp, 'ratings.dat'), events);
    writeMovies(path.join(temp, 'movies.dat'), random, truth);
    writeUsers(path.join(temp, 'users.dat'), random, users);
    writeTruth(temp, truth, seed, interactions);
    rmSync(target, { recursive: true, force: true });
    renameSync(temp, target);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  let positives = 0;
  for (let e = 0; e < interactions; e++) if (events.rating[e] >= 4) positives++;
  return {
    users,
    items,
    interactions,
    seed,
    positive_share: positives / interactions,
    files: ['ratings.dat', 'movies.dat', 'users.dat', GROUND_TRUTH_FILE, ...Object.values(TRUTH_FILES)],
  };
}

interface Popularity {
  launch: Float64Array;
  /** Decay time constant, seconds. */
  lifetime: Float64Array;
}

interface HiddenModel extends GroundTruth {
  popularity: Popularity;
  /** Each movie's genre columns, -1 padded to 3. */
  genreList: Int8Array;
  userLeniency: Float32Array;
  /** Back-catalogue movies carry an old year in the title. */
  itemYear: Uint16Array;
}

function hiddenModel(random: Random, users: number, items: number): HiddenModel {
  const g = GENRES.length;
  const userGenre = new Float32Array(users * g);
  const userLatent = new Float32Array(users * FACTORS);
  const userArrival = new Float64Array(users);
  const userLeniency = new Float32Array(users);
  for (let u = 0; u < users; u++) {
    for (let c = 0; c < g; c++) userGenre[u * g + c] = 0.25 * random.normal() - 0.2;
    // Two to four favourite genres, drawn by how common they are, and one disliked.
    const favourites = 2 + random.int(3);
    for (let f = 0; f < favourites; f++) userGenre[u * g + pickGenre(random)] = 0.7 + 0.8 * random.next();
    userGenre[u * g + random.int(g)] = -1;
    for (let f = 0; f < FACTORS; f++) userLatent[u * FACTORS + f] = random.normal();
    // More users arrive early than late, as on a site that launched at the start of the period.
    userArrival[u] = PERIOD_START + PERIOD * 0.95 * random.next() ** 1.6;
    userLeniency[u] = 0.3 * random.normal();
  }
  const itemLatent = new Float32Array(items * FACTORS);
  const itemGenres = new Uint8Array(items * g);
  const genreList = new Int8Array(items * 3).fill(-1);
  const itemQuality = new Float32Array(items);
  const itemRelease = new Float64Array(items);
  const itemYear = new Uint16Array(items);
  const launch = new Float64Array(items);
  const lifetime = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    const count = 1 + Math.min(2, Math.floor(-Math.log(1 - random.next()) * 0.9));
    for (let k = 0; k < count; k++) {
      const c = pickGenre(random);
      if (itemGenres[i * g + c]) continue;
      itemGenres[i * g + c] = 1;
      genreList[i * 3 + k] = c;
    }
    for (let f = 0; f < FACTORS; f++) itemLatent[i * FACTORS + f] = random.normal();
    itemQuality[i] = 0.5 * random.normal();
    // Heavy-tailed appeal, a little higher for better movies.
    launch[i] = Math.exp(1.3 * random.normal() + 0.6 * itemQuality[i]);
    lifetime[i] = 86400 * 90 * Math.exp(0.6 * random.normal());
    if (random.next() < BACK_CATALOGUE) {
      itemYear[i] = 1999 - Math.floor(70 * random.next() ** 2);
      itemRelease[i] = Date.UTC(itemYear[i], random.int(12), 1) / 1000;
    } else {
      itemRelease[i] = PERIOD_START + PERIOD * 0.9 * random.next();
      itemYear[i] = new Date(itemRelease[i] * 1000).getUTCFullYear();
      launch[i] *= 3;
    }
  }
  return {
    users,
    items,
    genres: GENRES.map(([name]) => name),
    factors: FACTORS,
    latentScale: LATENT_SCALE,
    userGenre,
    userLatent,
    itemLatent,
    itemGenres,
    itemQuality,
    itemRelease,
    userArrival,
    popularity: { launch, lifetime },
    genreList,
    userLeniency,
    itemYear,
  };
}

const GENRE_SHARE_TOTAL = GENRES.reduce((sum, [, share]) => sum + share, 0);

function pickGenre(random: Random): number {
  let x = random.next() * GENRE_SHARE_TOTAL;
  for (let c = 0; c < GENRES.length; c++) {
    x -= GENRES[c][1];
    if (x < 0) return c;
  }
  return GENRES.length - 1;
}

/** Ratings per user: heavy-tailed (log-normal) around a floor, summing exactly to `interactions`. */
function userActivity(random: Random, users: number, interactions: number, cap: number): Uint32Array {
  const floor = Math.max(1, Math.min(20, Math.floor(interactions / users / 2)));
  const weight = new Float64Array(users);
  let total = 0;
  for (let u = 0; u < users; u++) total += weight[u] = Math.exp(1.1 * random.normal());
  const counts = new Uint32Array(users);
  let assigned = 0;
  const spread = interactions - floor * users;
  for (let u = 0; u < users; u++)
    assigned += counts[u] = Math.min(cap, floor + Math.floor((spread * weight[u]) / total));
  // What rounding and the cap left over goes one at a time to users with room, busiest first.
  const order = Array.from({ length: users }, (_, u) => u).sort((a, b) => weight[b] - weight[a]);
  while (assigned < interactions) {
    for (const u of order) {
      if (assigned === interactions) break;
      if (counts[u] < cap) {
        counts[u]++;
        assigned++;
      }
    }
  }
  return counts;
}

interface SynthEvents {
  user: Uint32Array;
  item: Uint32Array;
  rating: Uint8Array;
  time: Float64Array;
}

function drawEvents(random: Random, model: HiddenModel, activity: Uint32Array, interactions: number): SynthEvents {
  const { users, items } = model;
  const buckets = Math.max(8, Math.min(128, Math.floor(2e7 / items)));
  const table = popularityTables(model, buckets);
  const user = new Uint32Array(interactions);
  const item = new Uint32Array(interactions);
  const time = new Float64Array(interactions);
  const score = new Float32Array(interactions);
  const seenBy = new Int32Array(items).fill(-1);
  const candidate = new Uint32Array(CANDIDATES);
  const weight = new Float64Array(CANDIDATES);
  const periodEnd = PERIOD_START + PERIOD;
  let e = 0;
  for (let u = 0; u < users; u++) {
    const n = activity[u];
    // Most users rate in a burst after arriving; a few keep coming back for months.
    const stay = PERIOD * (0.01 + 0.6 * random.next() ** 4);
    const times = new Float64Array(n);
    for (let k = 0; k < n; k++) times[k] = Math.min(periodEnd - 1, model.userArrival[u] + stay * random.next() ** 2);
    times.sort();
    for (let k = 0; k < n; k++) {
      const t = Math.floor(times[k]);
      const base = Math.min(buckets - 1, Math.floor(((t - PERIOD_START) / PERIOD) * buckets)) * items;
      let chosen = -1;
      for (let attempt = 0; chosen < 0 && attempt < 8; attempt++) {
        chosen = pickByTaste(random, model, u, table, base, seenBy, candidate, weight);
      }
      if (chosen < 0) chosen = firstUnseen(random, seenBy, u, items);
      seenBy[chosen] = u;
      user[e] = u;
      item[e] = chosen;
      time[e] = t;
      score[e] =
        fastAffinity(model, u, chosen) +
        model.itemQuality[chosen] +
        model.userLeniency[u] +
        RATING_NOISE * random.normal();
      e++;
    }
  }
  return { user, item, time, rating: ratingsByQuantile(score) };
}

/**
 * Popularity per time bucket as Walker alias tables (O(1) draws): launch appeal decaying after release to a floor.
 * Bucket b owns entries [b · items, (b + 1) · items) of both arrays.
 */
function popularityTables(model: HiddenModel, buckets: number): { keep: Float32Array; alias: Uint32Array } {
  const { items } = model;
  const keep = new Float32Array(buckets * items);
  const alias = new Uint32Array(buckets * items);
  const scaled = new Float64Array(items);
  const small = new Uint32Array(items);
  const large = new Uint32Array(items);
  for (let b = 0; b < buckets; b++) {
    const t = PERIOD_START + ((b + 0.5) / buckets) * PERIOD;
    let sum = 0;
    for (let i = 0; i < items; i++) {
      const age = t - model.itemRelease[i];
      const weight =
        age < 0
          ? 0
          : model.popularity.launch[i] *
            (POPULARITY_FLOOR + (1 - POPULARITY_FLOOR) * Math.exp(-age / model.popularity.lifetime[i]));
      scaled[i] = weight;
      sum += weight;
    }
    let smalls = 0;
    let larges = 0;
    for (let i = 0; i < items; i++) {
      scaled[i] = (scaled[i] * items) / sum;
      if (scaled[i] < 1) small[smalls++] = i;
      else large[larges++] = i;
    }
    const base = b * items;
    while (smalls > 0 && larges > 0) {
      const s = small[--smalls];
      const l = large[larges - 1];
      keep[base + s] = scaled[s];
      alias[base + s] = l;
      scaled[l] += scaled[s] - 1;
      if (scaled[l] < 1) {
        larges--;
        small[smalls++] = l;
      }
    }
    while (larges > 0) keep[base + large[--larges]] = 1;
    while (smalls > 0) keep[base + small[--smalls]] = 1;
  }
  return { keep, alias };
}

/** Draws candidates by current popularity, then one of them in proportion to exp(steer · taste); -1 if all were seen. */
function pickByTaste(
  random: Random,
  model: HiddenModel,
  u: number,
  table: { keep: Float32Array; alias: Uint32Array },
  base: number,
  seenBy: Int32Array,
  candidate: Uint32Array,
  weight: Float64Array,
): number {
  const items = model.items;
  let sum = 0;
  for (let c = 0; c < CANDIDATES; c++) {
    // One draw gives both the column (integer part) and the alias coin (the fraction left over).
    const scaled = random.next() * items;
    const column = Math.floor(scaled);
    const i = scaled - column < table.keep[base + column] ? column : table.alias[base + column];
    candidate[c] = i;
    sum += weight[c] = seenBy[i] === u ? 0 : Math.exp(TASTE_STEER * fastAffinity(model, u, i));
  }
  if (sum === 0) return -1;
  let x = random.next() * sum;
  for (let c = 0; c < CANDIDATES; c++) {
    x -= weight[c];
    if (x < 0 && weight[c] > 0) return candidate[c];
  }
  for (let c = CANDIDATES - 1; c >= 0; c--) if (weight[c] > 0) return candidate[c];
  return -1;
}

/** trueAffinity on 0-based rows through the padded genre list (the hot path of generation). */
function fastAffinity(model: HiddenModel, u: number, i: number): number {
  const g = GENRES.length;
  let genre = 0;
  let genres = 0;
  for (let k = 0; k < 3; k++) {
    const c = model.genreList[i * 3 + k];
    if (c >= 0) {
      genre += model.userGenre[u * g + c];
      genres++;
    }
  }
  let latent = 0;
  for (let f = 0; f < FACTORS; f++) latent += model.userLatent[u * FACTORS + f] * model.itemLatent[i * FACTORS + f];
  return (genres ? genre / genres : 0) + (LATENT_SCALE * latent) / Math.sqrt(FACTORS);
}

function firstUnseen(random: Random, seenBy: Int32Array, u: number, items: number): number {
  const start = random.int(items);
  for (let k = 0; k < items; k++) {
    const i = (start + k) % items;
    if (seenBy[i] !== u) return i;
  }
  throw new Error(`user ${u + 1} has rated every movie`);
}

/** Maps scores to 1..5 so the shares match ML-1M's, keeping the order of scores. */
function ratingsByQuantile(score: Float32Array): Uint8Array {
  const sorted = score.slice().sort();
  const cuts: number[] = [];
  let share = 0;
  for (let r = 0; r < RATING_SHARES.length - 1; r++) {
    share += RATING_SHARES[r];
    cuts.push(sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]);
  }
  const rating = new Uint8Array(score.length);
  for (let e = 0; e < score.length; e++) {
    let r = 1;
    while (r <= cuts.length && score[e] >= cuts[r - 1]) r++;
    rating[e] = r;
  }
  return rating;
}

/** Streams lines to a file in large chunks (no per-line writes, no one giant string). */
function writeLines(file: string, count: number, line: (k: number) => string): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '';
    for (let k = 0; k < count; k++) {
      chunk += line(k);
      if (chunk.length > 1 << 20) {
        writeSync(fd, Buffer.from(chunk, 'latin1'));
        chunk = '';
      }
    }
    if (chunk) writeSync(fd, Buffer.from(chunk, 'latin1'));
  } finally {
    closeSync(fd);
  }
}

/** ratings.dat is a million lines: digits go straight into a byte buffer (no per-line strings for the GC). */
function writeRatings(file: string, events: SynthEvents): void {
  const fd = openSync(file, 'w');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let at = 0;
  const digits = (value: number) => {
    let length = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) length++;
    at += length;
    for (let pos = at - 1; pos >= at - length; pos--) {
      buffer[pos] = 48 + (value % 10);
      value = Math.floor(value / 10);
    }
  };
  const separator = () => {
    buffer[at++] = 58;
    buffer[at++] = 58;
  };
  try {
    for (let e = 0; e < events.user.length; e++) {
      if (at > buffer.length - 64) {
        writeSync(fd, buffer, 0, at);
        at = 0;
      }
      digits(events.user[e] + 1);
      separator();
      digits(events.item[e] + 1);
      separator();
      digits(events.rating[e]);
      separator();
      digits(events.time[e]);
      buffer[at++] = 10;
    }
    writeSync(fd, buffer, 0, at);
  } finally {
    closeSync(fd);
  }
}

/** ML-1M titles are Latin-1 and carry the year; about 1% here have none, as some real titles do. */
function writeMovies(file: string, random: Random, model: HiddenModel): void {
  const g = GENRES.length;
  writeLines(file, model.items, (i) => {
    const name = `The ${ADJECTIVES[random.int(ADJECTIVES.length)]} ${NOUNS[random.int(NOUNS.length)]} ${i + 1}`;
    const title = random.next() < 0.01 ? name : `${name} (${model.itemYear[i]})`;
    const genres = GENRES.filter((_, c) => model.itemGenres[i * g + c]).map(([genre]) => genre);
    return `${i + 1}::${title}::${genres.join('|')}\n`;
  });
}

const AGES = [1, 18, 25, 35, 45, 50, 56];

function writeUsers(file: string, random: Random, users: number): void {
  writeLines(file, users, (u) => {
    const zip = String(random.int(100000)).padStart(5, '0');
    return `${u + 1}::${random.next() < 0.72 ? 'M' : 'F'}::${AGES[random.int(AGES.length)]}::${random.int(21)}::${zip}\n`;
  });
}

function writeTruth(dir: string, truth: GroundTruth, seed: number, interactions: number): void {
  for (const [key, name] of Object.entries(TRUTH_FILES) as [keyof typeof TRUTH_FILES, string][]) {
    const array = truth[key];
    writeFileSync(path.join(dir, name), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  const meta = {
    format_version: 1,
    seed,
    users: truth.users,
    items: truth.items,
    interactions,
    genres: truth.genres,
    latent_factors: truth.factors,
    latent_scale: truth.latentScale,
    taste_steer: TASTE_STEER,
    rating_noise: RATING_NOISE,
    period: {
      start: new Date(PERIOD_START * 1000).toISOString(),
      end: new Date((PERIOD_START + PERIOD) * 1000).toISOString(),
    },
    taste:
      'mean of user_genre over the movie genres + latent_scale * dot(user_latent, item_latent) / sqrt(latent_factors)',
    files: TRUTH_FILES,
  };
  writeFileSync(path.join(dir, GROUND_TRUTH_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}
