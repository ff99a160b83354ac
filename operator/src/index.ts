export { readGateResult, readRunResult } from './kube/artifacts.ts';
export { type OperatorOptions, RecModelOperator, sameSpec } from './kube/controller.ts';
export { type LeaderElectionOptions, LeaderElector } from './kube/leader.ts';
export * from './kube/names.ts';
export * from './kube/objects.ts';
export { jobPhase, type OwnedObjects, observeWorld } from './kube/observe.ts';
