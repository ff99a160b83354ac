import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The commands of README's "In a cluster" code blocks, continuation lines joined and comments dropped. */
function readmeClusterCommands(): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## In a cluster');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((match) => (match[1] ?? '').replace(/\\\n\s*/g, '').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

// The e2e tier runs README's `make cluster-up deploy` on this machine and checks the helm and kubectl commands it
// runs; the kind path needs Docker and internet, so here its recipe is read, not run.
describe("README's In a cluster, on the kind path", () => {
  it('make cluster-up deploy CLUSTER=kind installs the same chart and RecModel, downloading MovieLens from GroupLens', () => {
    const commands = readmeClusterCommands();
    expect(commands).toContain('make cluster-up deploy CLUSTER=kind');
    const recipe = execFileSync('make', ['-n', '--no-print-directory', 'cluster-up', 'deploy', 'CLUSTER=kind'], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
      .split('\n')
      .map((line) => line.trim().replace(/^\S*\/helm /, 'helm '));
    expect(recipe.some((line) => line.includes('kind create cluster --config kind-config.yaml'))).toBe(true);
    expect(recipe.some((line) => line.includes('kind load docker-image'))).toBe(true);
    const helm = commands.find((c) => c.startsWith('helm upgrade --install'));
    expect(recipe).toContain(helm?.replace(/ --set movieLens\.baseUrl=\S+/, ''));
    expect(recipe).toContain(commands.find((c) => c.startsWith('kubectl') && c.includes(' apply ')));
  });
});
