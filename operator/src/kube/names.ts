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

export type OwnedRole = 'train' | 'gate' | 'serving' | 'frontend' | 'retrain-schedule' | 'report';

export const servingName = (recModel: string) => `${recModel.slice(0, 55)}-serving`;
export const frontendName = (recModel: string) => `${recModel.slice(0, 54)}-frontend`;
export const retrainCronJobName = (recModel: string) => `${recModel.slice(0, 44)}-retrain`;
export const reportCronJobName = (recModel: string) => `${recModel.slice(0, 45)}-report`;
/** A Job name is a pod label value too: at most 63 characters, deterministic for one run. */
export const gateJobName = (runName: string) => `${runName.slice(0, 58).replace(/-+$/, '')}-gate`;

/** Where a run's results live on the artifact volume: `<store>/<model>/runs/<job name>/`. */
export const runDir = (store: string, model: string, jobName: string) => `${store}/${model}/runs/${jobName}`;
