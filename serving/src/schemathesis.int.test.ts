import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { describe, expect, it } from 'vitest';

/**
 * Property-based testing from the API's own /openapi.json (serving/scripts/schemathesis.sh): at least 1,000
 * generated requests, valid and invalid, against the real `recsys serve`; no 5xx, no response outside its schema.
 */
describe('schemathesis against /openapi.json', () => {
  it('generates at least 1,000 requests and finds no failure', () => {
    const result = spawnSync('bash', [path.join(repoRoot, 'serving/scripts/schemathesis.sh'), '100'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 280_000,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output.slice(-4000)).toBe(0);
    const counts = /(\d+) generated, (\d+) passed/.exec(output);
    expect(counts, output.slice(-2000)).not.toBeNull();
    expect(Number(counts![1])).toBeGreaterThanOrEqual(1000);
    expect(Number(counts![2])).toBe(Number(counts![1]));
  });
});
