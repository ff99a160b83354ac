import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './fixtures.ts';

/** scripts/check-lockfile.sh (the static tier's first step), run on a copy with an npm the test scripts. */
describe('the lockfile check', () => {
  const check = (npm: string) => {
    const temp = tempDir('recsys-lockfile-');
    const scripts = path.join(temp.dir, 'scripts');
    const bin = path.join(temp.dir, 'bin');
    mkdirSync(scripts);
    mkdirSync(bin);
    copyFileSync(path.join(repoRoot, 'scripts/check-lockfile.sh'), path.join(scripts, 'check-lockfile.sh'));
    writeFileSync(path.join(temp.dir, 'package-lock.json'), '{"lockfileVersion":3}\n');
    writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\n${npm}\n`);
    chmodSync(path.join(bin, 'npm'), 0o755);
    const run = spawnSync('bash', [path.join(scripts, 'check-lockfile.sh')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    const lockfile = readFileSync(path.join(temp.dir, 'package-lock.json'), 'utf8');
    temp.cleanup();
    return { status: run.status, stderr: run.stderr, lockfile };
  };

  it('fails, saying so, when npm cannot resolve the lockfile (offline, a registry error)', () => {
    const result = check('echo "npm error network" >&2; exit 1');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/npm could not resolve package-lock\.json/);
    expect(result.lockfile).toBe('{"lockfileVersion":3}\n');
  });

  it('passes when npm leaves the lockfile as it is, and fails and restores it when npm would change it', () => {
    expect(check('exit 0').status).toBe(0);
    const changed = check('echo "{}" > package-lock.json');
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(/out of step/);
    expect(changed.lockfile).toBe('{"lockfileVersion":3}\n');
  });
});
