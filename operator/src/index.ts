export { KubeClient } from './kube/client.ts';
export { type ObjectCache, RecModelReconciler, type ReconcilerOptions } from './kube/controller.ts';
export { kubeEffects } from './kube/effects.ts';
export { type LeaderElectionOptions, LeaderElector } from './kube/leader.ts';
export { type OperatorOptions, RecModelOperator } from './kube/manager.ts';
export * from './kube/names.ts';
export * from './kube/objects.ts';
export { jobPhase, type OwnedObjects, observeWorld } from './kube/observe.ts';
export { DEFAULT_RETRY, type RetryPolicy, WorkQueue } from './kube/work-queue.ts';
