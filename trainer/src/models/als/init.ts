import { mulberry32 } from '@recsys/core/metrics/prng';
/**
 * Seeded starting factors like implicit's (`random((rows, factors)) * 0.01`: uniform in [0, 0.01)),
 * users first, then items, from one stream. The numbers differ from numpy's; tests that compare with
 * implicit hand both the same factors instead.
 */
export function initialFactors(
  users: number,
  items: number,
  factors: number,
  seed: number,
): { userFactors: Float32Array; itemFactors: Float32Array } {
  const next = mulberry32(seed);
  const userFactors = new Float32Array(users * factors);
  const itemFactors = new Float32Array(items * factors);
  for (let i = 0; i < userFactors.length; i++) userFactors[i] = next() * 0.01;
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = next() * 0.01;
  return { userFactors, itemFactors };
}
