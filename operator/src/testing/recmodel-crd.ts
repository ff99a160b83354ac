import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import type { TestApiServer } from './apiserver.ts';

/** Applies crds/recmodel.yaml, waits until the API server serves it, and creates the test's own namespace. */
export async function installRecModelCrd(server: TestApiServer, namespace: string): Promise<void> {
  for (const args of [
    ['apply', '-f', path.join(repoRoot, 'crds/recmodel.yaml')],
    ['wait', '--for=condition=Established', 'crd/recmodels.recsys.dev', '--timeout=60s'],
    ['create', 'namespace', namespace],
  ]) {
    const result = await server.kubectl(args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  }
}
