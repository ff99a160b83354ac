import { createHash } from 'node:crypto';
import { RECMODEL_GROUP } from '@recsys/core/recmodel/types';

/** Labels every object the operator owns carries, so one label selector finds them all. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'recsys-operator';
export const RECMODEL_LABEL = `${RECMODEL_GROUP}/recmodel`;
export const ROLE_LABEL = `${RECMODEL_GROUP}/role`;
export const RUN_LABEL = `${RECMODEL_GROUP}/run`;
export const VERSION_ANNOTATION = `${RECMODEL_GROUP}/version`;
export const FINALIZER = `${RECMODEL_GROUP}/cleanup`;
/** The CronJob controller stamps the slot a Job was created for with this annotation. */
export const CRONJOB_SCHEDULED_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
export const FIELD_MANAGER = 'recsys-operator';
/** A hash of what the operator last applied to an object: a change to it (a field removed too) means apply again. */
export const APPLIED_ANNOTATION = `${RECMODEL_GROUP}/applied`;

export type OwnedRole = 'train' | 'gate' | 'serving' | 'frontend' | 'retrain-schedule' | 'report';

export const servingName = (recModel: string) => `${recModel.slice(0, 55)}-serving`;
export const frontendName = (recModel: string) => `${recModel.slice(0, 54)}-frontend`;
export const retrainCronJobName = (recModel: string) => `${recModel.slice(0, 44)}-retrain`;
export const reportCronJobName = (recModel: string) => `${recModel.slice(0, 45)}-report`;
/** The Production a gate Job compares its run's candidate with (empty for the first model). */
export const GATED_AGAINST_ANNOTATION = `${RECMODEL_GROUP}/gated-against`;

/**
 * A gate Job per run and Production it compares against (a Job name is a pod label value too: at most 63
 * characters), so when Production moves before its decision is applied, the gate against the new one is a new Job.
 */
export function gateJobName(runName: string, productionVersion: string | null): string {
  const against = createHash('sha256')
    .update(productionVersion ?? '')
    .digest('hex')
    .slice(0, 6);
  return `${runName.slice(0, 51).replace(/-+$/, '')}-gate-${against}`;
}
