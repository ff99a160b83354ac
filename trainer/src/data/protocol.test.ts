import { describe, expect, it } from 'vitest';
import type { Catalogue } from './movies.ts';
import { applyProtocol } from './protocol.ts';
import { Random } from './random.ts';
import type { Ratings } from './ratings.ts';

interface Row {
  user: number;
  movie: number;
  rating: number;
  time: number;
}

function toRatings(rows: Row[]): Ratings {
  return {
    length: rows.length,
    user: Uint32Array.from(rows, (r) => r.user),
    movie: Uint32Array.from(rows, (r) => r.movie),
    rating: Float32Array.from(rows, (r) => r.rating),
    time: Float64Array.from(rows, (r) => r.time),
    line: Uint32Array.from(rows, (_, e) => e + 1),
  };
}

function catalogueFor(rows: Row[]): Catalogue {
  const movies = new Map(
    rows.map((r) => [r.movie, { movie_id: r.movie, title: `M${r.movie}`, year: null, genres: ['Drama'] }]),
  );
  return { genres: ['Drama'], movies };
}

/**
 * Hand-made: movie 5 (A) and 11–14 (D1–D4) have 10 positives from users 1–10; movie 7 (B) has 10 positives from
 * users 1–9 and 11; movie 9 (C) has only 3 (users 1, 2, 11) and is dropped, which leaves user 11 with 1 positive
 * (dropped) and user 12 with 4 (dropped). One pass keeps B with 9 positives; the iterative option then drops B.
 * Ratings below 4 (user 10 on B, user 12 on A) count nowhere.
 */
function handMade(): Row[] {
  const rows: Row[] = [];
  let time = 1000;
  const add = (user: number, movie: number, rating = 5) => {
    rows.push({ user, movie, rating, time });
    time += 10;
  };
  for (let u = 1; u <= 10; u++) add(u, 5);
  for (let u = 1; u <= 9; u++) add(u, 7);
  add(11, 7);
  add(10, 7, 3);
  add(12, 5, 2);
  for (const u of [1, 2, 11]) add(u, 9);
  for (const movie of [11, 12, 13, 14]) {
    for (let u = 1; u <= 10; u++) add(u, movie);
    add(12, movie);
  }
  return rows;
}

describe('PROTOCOL.md steps 1–3 on a hand-made case', () => {
  it('drops movies with < 10 positives, then users with < 5 positives of what remains, in one pass', () => {
    const rows = handMade();
    const { data, summary } = applyProtocol(toRatings(rows), catalogueFor(rows));
    expect(Array.from(data.movieIds)).toEqual([5, 7, 11, 12, 13, 14]);
    expect(Array.from(data.userIds)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // A 10 + B 9 (users 1–9) + D1–D4 4 × 10.
    expect(data.events.user.length).toBe(59);
    expect(data.popularity.count[1]).toBe(9);
    // floor(0.70 · 59) = 41, floor(0.85 · 59) = 50.
    expect(summary.interactions).toEqual({ train: 41, validation: 9, test: 9 });
    expect(summary.thresholds).toEqual({
      min_item_positives: 10,
      min_user_positives: 5,
      positive_rating: 4,
      iterative: false,
    });
  });

  it('takes posted ids up to 2^31 - 1 without tables that large, keeping ids and their order', () => {
    // Serving accepts any positive int32 user or movie id; a table indexed by them would take 8 GB.
    const big = 2 ** 31 - 20;
    const rows = handMade().map((r) => ({ ...r, user: r.user === 3 ? big + r.user : r.user, movie: r.movie + big }));
    const { data, summary } = applyProtocol(toRatings(rows), catalogueFor(rows));
    expect(Array.from(data.movieIds)).toEqual([5, 7, 11, 12, 13, 14].map((m) => m + big));
    expect(Array.from(data.userIds)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, big + 3]);
    expect(data.events.user.length).toBe(59);
    expect(summary.interactions).toEqual({ train: 41, validation: 9, test: 9 });
  });

  it('repeats until stable with iterative', () => {
    const rows = handMade();
    const { data, summary } = applyProtocol(toRatings(rows), catalogueFor(rows), { iterative: true });
    expect(Array.from(data.movieIds)).toEqual([5, 11, 12, 13, 14]);
    expect(Array.from(data.userIds)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // floor(0.70 · 50) = 35, floor(0.85 · 50) = 42.
    expect(summary.interactions).toEqual({ train: 35, validation: 7, test: 8 });
    expect(summary.thresholds.iterative).toBe(true);
  });

  it('applies other thresholds when given (a RecModel spec.dataset) and records them', () => {
    const rows = handMade();
    // Rating >= 3 brings in user 10 on B; movies need only 3 positives, so C stays; users need 2, so 11 stays.
    const { data, summary } = applyProtocol(toRatings(rows), catalogueFor(rows), {
      positiveRating: 3,
      minItemPositives: 3,
      minUserPositives: 2,
    });
    expect(Array.from(data.movieIds)).toEqual([5, 7, 9, 11, 12, 13, 14]);
    expect(Array.from(data.userIds)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // A 10 + B 11 + C 3 + D1–D4 4 × 11.
    expect(data.events.user.length).toBe(68);
    expect(summary.thresholds).toEqual({
      min_item_positives: 3,
      min_user_positives: 2,
      positive_rating: 3,
      iterative: false,
    });
  });

  it('sorts stably by time: equal timestamps keep file order', () => {
    const rows = handMade();
    // Reverse the file order of times but give every pair the same timestamp.
    rows.forEach((r, e) => {
      r.time = 5000 - Math.floor(e / 2);
    });
    const { data } = applyProtocol(toRatings(rows), catalogueFor(rows));
    const kept = rows.filter((r) => r.rating >= 4 && r.movie !== 9 && r.user <= 10);
    const expected = kept
      .map((r, order) => ({ ...r, order }))
      .sort((a, b) => a.time - b.time || a.order - b.order)
      .map((r) => `${r.user}:${r.movie}`);
    const actual = Array.from(data.events.user, (u, e) => `${data.userIds[u]}:${data.movieIds[data.events.item[e]]}`);
    expect(actual).toEqual(expected);
  });
});

/** The protocol written the obvious way (objects, Maps), to check the typed-array version on random data. */
function reference(rows: Row[]) {
  let kept = rows.map((r, order) => ({ ...r, order })).filter((r) => r.rating >= 4);
  const count = (key: 'user' | 'movie') => {
    const counts = new Map<number, number>();
    for (const r of kept) counts.set(r[key], (counts.get(r[key]) ?? 0) + 1);
    return counts;
  };
  const movieCounts = count('movie');
  kept = kept.filter((r) => movieCounts.get(r.movie)! >= 10);
  const userCounts = count('user');
  kept = kept.filter((r) => userCounts.get(r.user)! >= 5);
  kept.sort((a, b) => a.time - b.time || a.order - b.order);
  const n = kept.length;
  const trainEnd = Math.floor(0.7 * n);
  const fitEnd = Math.floor(0.85 * n);
  const fitUsers = new Set(kept.slice(0, fitEnd).map((r) => r.user));
  const testUsers = new Set(kept.slice(fitEnd).map((r) => r.user));
  const warm = [...testUsers].filter((u) => fitUsers.has(u)).length;
  return { kept, trainEnd, fitEnd, warm, cold: testUsers.size - warm };
}

describe('applyProtocol agrees with a plain reference implementation', () => {
  for (const seed of [1, 2, 3]) {
    it(`on random ratings (seed ${seed})`, () => {
      const random = new Random(seed);
      const rows: Row[] = [];
      for (let e = 0; e < 4000; e++) {
        // Skewed ids so some users and movies fall below the thresholds; coarse times so ties happen.
        rows.push({
          user: 1 + Math.floor(200 * random.next() ** 2),
          movie: 1 + Math.floor(150 * random.next() ** 2),
          rating: 1 + random.int(5),
          time: 1_000_000 + 100 * random.int(300),
        });
      }
      const { data, summary } = applyProtocol(toRatings(rows), catalogueFor(rows));
      const ref = reference(rows);
      // The case is only a test if the thresholds bite and enough survives.
      expect(ref.kept.length).toBeGreaterThan(500);
      expect(ref.kept.length).toBeLessThan(rows.filter((r) => r.rating >= 4).length);
      expect(Array.from(data.events.user, (u) => data.userIds[u])).toEqual(ref.kept.map((r) => r.user));
      expect(Array.from(data.events.item, (i) => data.movieIds[i])).toEqual(ref.kept.map((r) => r.movie));
      expect(Array.from(data.events.time)).toEqual(ref.kept.map((r) => r.time));
      expect(summary.interactions).toEqual({
        train: ref.trainEnd,
        validation: ref.fitEnd - ref.trainEnd,
        test: ref.kept.length - ref.fitEnd,
      });
      expect(summary.test_users).toEqual({ warm: ref.warm, cold: ref.cold });
      expect(summary.cutoffs.validation).toBe(new Date(ref.kept[ref.trainEnd].time * 1000).toISOString());
      expect(summary.cutoffs.test).toBe(new Date(ref.kept[ref.fitEnd].time * 1000).toISOString());
      expect(Array.from(data.userIds)).toEqual([...new Set(ref.kept.map((r) => r.user))].sort((a, b) => a - b));

      // Each split CSR holds exactly its window's events, rows in time order.
      const windows = {
        train: [0, ref.trainEnd],
        validation: [ref.trainEnd, ref.fitEnd],
        test: [ref.fitEnd, ref.kept.length],
        fit: [0, ref.fitEnd],
      } as const;
      for (const [name, [from, to]] of Object.entries(windows)) {
        const m = data[name as keyof typeof windows];
        const fromCsr: string[] = [];
        for (let u = 0; u < m.rows; u++) {
          for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
            if (k > m.indptr[u]) expect(m.times![k]).toBeGreaterThanOrEqual(m.times![k - 1]);
            fromCsr.push(`${data.userIds[u]}:${data.movieIds[m.indices[k]]}:${m.times![k]}:${m.values![k]}`);
          }
        }
        const expected = ref.kept.slice(from, to).map((r) => `${r.user}:${r.movie}:${r.time}:${r.rating}`);
        expect(fromCsr.sort()).toEqual(expected.sort());
      }

      // Popularity over the fit window; trending over its newest 15%.
      const fit = ref.kept.slice(0, ref.fitEnd);
      const trendingFrom = ref.fitEnd - Math.floor(0.15 * ref.fitEnd);
      data.movieIds.forEach((movie, i) => {
        const events = fit.filter((r) => r.movie === movie);
        expect(data.popularity.count[i]).toBe(events.length);
        expect(data.popularity.trending[i]).toBe(fit.slice(trendingFrom).filter((r) => r.movie === movie).length);
        expect(data.popularity.newest[i]).toBe(events.length ? Math.max(...events.map((r) => r.time)) : 0);
        const mean = events.length ? events.reduce((s, r) => s + r.rating, 0) / events.length : 0;
        expect(data.popularity.meanRating[i]).toBeCloseTo(mean, 5);
      });
    });
  }
});
