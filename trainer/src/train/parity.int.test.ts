import { readBundle } from '@recsys/core/bundle/reader';
import { loadGateRecommender } from '@recsys/core/model-files';
import { loadRecommender } from '@recsys/core/recommender/load';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../data/dataset.ts';
import { prepareDataset } from '../data/prepare.ts';
import { readPrepared } from '../data/prepared.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import { deployedRecommender } from './choose.ts';
import { FAMILIES } from './families/index.ts';
import { recommenderFor } from './search.ts';
import { train } from './train.ts';
import { fitWindow, fullHistory } from './window.ts';

const source = ml100kDir();
const USERS = 100;

/**
 * Train/serve parity through the product's own export (ISSUE 3): for one bundle per model family, the
 * trainer's evaluation ranking of 100 users equals, item for item, what core's scoring path returns for the
 * bundle as serving loads it — both for the deployed fit and for the train-only fit the gate scores.
 */
describe.runIf(source)('train/serve parity for every model family (ml-100k)', () => {
  const temp = tempDir('recsys-train-parity-');
  let prepared: string;
  let data: PreparedDataset;
  beforeAll(async () => {
    prepared = `${temp.dir}/prepared`;
    await prepareDataset({ source: source!, out: prepared });
    data = readPrepared(prepared);
  });
  afterAll(() => temp.cleanup());

  for (const family of FAMILIES) {
    it(`${family.name}: the evaluation ranking equals the loaded bundle's, item for item`, async () => {
      const result = await train({
        data: prepared,
        store: `${temp.dir}/store`,
        modelName: family.name,
        families: [family.name],
        budget: 1,
      });
      const bundle = await readBundle(result.bundle);
      const params = result.models[family.name].params;

      // The train-only fit, as the gate loads it, against the evaluation on validation (105 warm users).
      const trainWindow = fitWindow(data, 'train');
      const evaluated = evaluate({
        recommender: recommenderFor(await family.fit(trainWindow, params), trainWindow),
        heldOut: data.validation,
        keepRankings: true,
      });
      const gate = loadGateRecommender(bundle)!.recommender;
      expect(evaluated.warm.users).toBeGreaterThanOrEqual(USERS);
      for (let u = 0; u < USERS; u++) {
        const user = evaluated.warm.userIndices[u];
        expect([...gate.recommend(user, 100).items], `gate fit, user ${user}`).toEqual([
          ...evaluated.warm.rankings![u],
        ]);
      }

      // The deployed fit, as serving loads it, against the same refit knowing every interaction, for 100 users.
      const fit = fitWindow(data, 'fit');
      const deployed = deployedRecommender(await family.fit(fit, params), fit, fullHistory(data));
      const served = loadRecommender(bundle);
      let checked = 0;
      for (let user = 0; user < data.userIds.length && checked < USERS; user++) {
        if (!deployed.knowsUser(user)) continue;
        expect([...served.recommend(user, 100).items], `deployed fit, user ${user}`).toEqual([
          ...deployed.recommend(user, 100).items,
        ]);
        checked++;
      }
      expect(checked).toBe(USERS);
    }, 120_000);
  }
});
