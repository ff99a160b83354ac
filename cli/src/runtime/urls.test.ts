import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { describe, expect, it } from 'vitest';
import { urlBlock } from './urls.ts';

describe('the URL block', () => {
  it('is what the README says make start prints, with the default ports', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /it prints:\n\n```\n([\s\S]*?)\n```/i.exec(readme)?.[1];
    expect(block, 'README.md has an "it prints:" block').toBeDefined();
    expect(block!.split('\n')).toEqual(urlBlock(8000, 4321));
  });

  it('leaves the site out when the spec disables it', () => {
    expect(urlBlock(9000, null)).toEqual(['  API   http://127.0.0.1:9000   (docs: /docs, metrics: /metrics)']);
  });
});
