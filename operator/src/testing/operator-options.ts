import { storeRegistry } from '@recsys/trainer/promotion/store-registry';
import type { OperatorOptions } from '../kube/manager.ts';

/** An in-process operator's options for a test: the artifact volume in `work`, the store's real registry there. */
export function testOperatorOptions(namespace: string, work: string): OperatorOptions {
  return {
    namespace,
    artifactRoot: work,
    artifactMount: '/artifacts',
    artifactClaim: 'artifacts',
    trainerImage: 'trainer:test',
    registryFor: (_recModel, store) => storeRegistry(store),
    leaseDurationSeconds: 30,
  };
}
