import { describe, expect, it } from 'vitest';
import type { ModelHandle } from '../model/handle.ts';
import { rankedJson } from './answer-json.ts';

// The routes' answers are checked against the zod contract byte for byte in app.test.ts ('answers joined JSON text').
describe('rankedJson', () => {
  it('refuses a score JSON cannot hold: the answer fails as a server error instead of sending invalid JSON', () => {
    const model = { info: { version: 'v1' }, movieJson: () => '{"movie_id":1}' } as unknown as ModelHandle;
    const ranked = (score: number) => ({ movieIds: Uint32Array.of(1), scores: Float32Array.of(score) });
    expect(rankedJson(model, ranked(0.5))).toBe('[{"movie_id":1,"score":0.5}]');
    expect(() => rankedJson(model, ranked(Number.NaN))).toThrow(/scored movie 1 NaN/);
    expect(() => rankedJson(model, ranked(Number.POSITIVE_INFINITY))).toThrow(/scored movie 1 Infinity/);
  });
});
