import type { ModelFamily } from '../family.ts';
import { alsFamily } from './als.ts';
import { easeActiveTrendFamily, easeTrendFamily } from './ease-trend.ts';
import { itemKnnFamily } from './itemknn.ts';
import { popularityFamily } from './popularity.ts';

/** Every family `recsys train --models` accepts, in the order they are searched. */
export const FAMILIES: readonly ModelFamily[] = [
  popularityFamily,
  itemKnnFamily,
  alsFamily,
  easeTrendFamily,
  easeActiveTrendFamily,
];

export function familiesByName(names: readonly string[] | undefined): ModelFamily[] {
  if (!names || names.length === 0) return [...FAMILIES];
  return names.map((name) => {
    const family = FAMILIES.find((f) => f.name === name);
    if (!family) {
      throw new Error(`unknown model family "${name}": expected one of ${FAMILIES.map((f) => f.name).join(', ')}`);
    }
    return family;
  });
}
