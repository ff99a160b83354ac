import { z } from 'zod';
import type { BundleFileValue } from '../bundle/file-codec.ts';
import { alsFoldInFromParams } from './als.ts';
import { ACTIVITY_FILE, BlendScorer, partPrefix, prefixedArrays } from './blend.ts';
import { type Catalogue, catalogueArrays, catalogueFromBundle } from './catalogue.ts';
import { type FactorModel, FactorScorer, type FoldIn } from './factors.ts';
import type { ItemAttributes } from './filters.ts';
import { ItemKnnScorer } from './item-knn.ts';
import { PopularityScorer } from './popularity.ts';
import { Recommender } from './recommender.ts';
import type { BundleArrays, Scorer, ScorerDescription } from './scorer.ts';

/** The scorer's description in a bundle; every other file name belongs to a scorer or the catalogue. */
export const SCORER_FILE = 'scorer.json';
/** Bundle file names of the filter attributes (R15). */
export const ATTRIBUTE_FILES = {
  genres: 'genres.json',
  itemGenres: 'item_genres.u8',
  years: 'item_years.u32',
} as const;

export const SCORER_KINDS = ['popularity', 'itemknn', 'factors', 'blend'] as const;

export interface LoadOptions {
  /**
   * Builds the fold-in solver of a factor model from its factors and `scorer.json` fold-in parameters;
   * by default the ALS solve when the parameters name confidence and regularization.
   */
  makeFoldIn?: (model: FactorModel, params: Record<string, unknown>) => FoldIn | undefined;
}

/** Everything a recommender needs in a bundle, by file name (typed arrays, tensors and JSON), for `writeBundle`. */
export function recommenderFiles(recommender: Recommender): Record<string, BundleFileValue> {
  const scorer = recommender.scorer.bundleFiles();
  const files: Record<string, BundleFileValue> = {
    ...catalogueArrays(recommender.catalogue),
    ...scorer.arrays,
    [SCORER_FILE]: scorer.description,
  };
  const attributes = recommender.attributes;
  if (attributes) {
    files[ATTRIBUTE_FILES.genres] = [...attributes.genres];
    files[ATTRIBUTE_FILES.itemGenres] = attributes.itemGenres;
    // Bundles hold no 16-bit arrays: years are stored widened.
    files[ATTRIBUTE_FILES.years] = Uint32Array.from(attributes.years);
  }
  return files;
}

/** Rebuilds the recommender a bundle holds: its catalogue, its scorer (any kind) and filter attributes. */
export function loadRecommender(bundle: BundleArrays, options: LoadOptions = {}): Recommender {
  const catalogue = catalogueFromBundle(bundle);
  const scorer = loadScorer(describe(bundle.json(SCORER_FILE)), bundle, catalogue, options);
  const attributes: ItemAttributes | undefined = bundle.has(ATTRIBUTE_FILES.itemGenres)
    ? {
        genres: bundle.json(ATTRIBUTE_FILES.genres) as string[],
        itemGenres: bundle.u8(ATTRIBUTE_FILES.itemGenres),
        years: bundle.u32(ATTRIBUTE_FILES.years),
      }
    : undefined;
  return new Recommender(scorer, catalogue, attributes);
}

export function loadScorer(
  description: ScorerDescription,
  arrays: BundleArrays,
  catalogue: Catalogue,
  options: LoadOptions = {},
): Scorer {
  switch (description.kind) {
    case 'popularity':
      return PopularityScorer.fromBundle(description, arrays);
    case 'itemknn':
      return ItemKnnScorer.fromBundle(description, arrays, catalogue.seen);
    case 'factors':
      return FactorScorer.fromBundle(description, arrays, options.makeFoldIn ?? alsFoldInFromParams);
    case 'blend': {
      const blend = parseBlend(description);
      const parts = blend.parts.map((part, p) => ({
        weight: part.weight,
        byActivity: part.by_activity,
        scorer: loadScorer(describe(part.scorer), prefixedArrays(arrays, partPrefix(p)), catalogue, options),
      }));
      const { activity } = blend;
      return new BlendScorer(
        parts,
        catalogue.inCatalogue,
        activity ? { halfLifeDays: activity.half_life_days, perUser: arrays.f32(ACTIVITY_FILE) } : undefined,
      );
    }
    default:
      throw new Error(
        `${SCORER_FILE}: unknown scorer kind "${description.kind}"; expected one of ${SCORER_KINDS.join(', ')} (a newer bundle needs a newer reader)`,
      );
  }
}

const blendDescription = z.object({
  parts: z.array(z.object({ weight: z.number(), by_activity: z.boolean().default(false), scorer: z.unknown() })).min(1),
  activity: z.object({ half_life_days: z.number().positive() }).nullish(),
});

function parseBlend(description: ScorerDescription): z.output<typeof blendDescription> {
  const parsed = blendDescription.safeParse(description);
  if (!parsed.success) throw new Error(`${SCORER_FILE}: not a blend description:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function describe(value: unknown): ScorerDescription {
  if (typeof value !== 'object' || value === null || typeof (value as { kind?: unknown }).kind !== 'string') {
    throw new Error(`${SCORER_FILE}: expected an object with a "kind" string, got ${JSON.stringify(value)}`);
  }
  return value as ScorerDescription;
}
