import type { PromotionPolicy } from '@recsys/core/promotion/policy';
import { RECMODEL_API_VERSION, RECMODEL_KIND, type RecModel, type ServingSpec } from '@recsys/core/recmodel/types';
import {
  frontendName,
  gateJobName,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  type OwnedRole,
  RECMODEL_LABEL,
  ROLE_LABEL,
  RUN_LABEL,
  reportCronJobName,
  retrainCronJobName,
  servingName,
  VERSION_ANNOTATION,
} from './names.ts';

/** What the operator's flags say about the cluster: images and the shared artifact volume. */
export interface WorkloadConfig {
  trainerImage: string;
  /** The PersistentVolumeClaim holding the artifact store and the serving logs. */
  artifactClaim: string;
  /** Where pods mount that claim. */
  artifactMount: string;
  /** Where trainer Jobs download official MovieLens archives and their .md5 (unset: GroupLens). */
  movieLensBaseUrl?: string;
  /**
   * The Secret with the write keys (`api-keys`, serving's key file), the site's key (`site-api-key`) and its
   * session secret (`session-secret`); absent: serving refuses writes and the site cannot post likes.
   */
  keysSecret?: string;
}

/** Where serving reads its key file (the Secret volume: updated in place, re-read on change). */
const KEYS_MOUNT = '/etc/recsys/keys';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes manifests are plain JSON built here and validated by the API server.
export type Manifest = Record<string, any>;

export const storeIn = (config: WorkloadConfig) => `${config.artifactMount}/store`;
export const logsIn = (config: WorkloadConfig) => `${config.artifactMount}/logs`;

function ownerReference(recModel: RecModel & { metadata: { uid?: string } }): Manifest {
  return {
    apiVersion: RECMODEL_API_VERSION,
    kind: RECMODEL_KIND,
    name: recModel.metadata.name,
    uid: recModel.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labels(recModel: RecModel, role: OwnedRole, extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [RECMODEL_LABEL]: recModel.metadata.name, [ROLE_LABEL]: role, ...extra };
}

function metadata(recModel: RecModel, name: string, role: OwnedRole, extra: Record<string, string> = {}): Manifest {
  return {
    name,
    namespace: recModel.metadata.namespace,
    labels: labels(recModel, role, extra),
    ownerReferences: [ownerReference(recModel)],
  };
}

// Every container runs as a non-root user on a read-only root filesystem; only declared volumes are writable.
const containerSecurity = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const podSecurity = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 };

/** No workload the operator creates talks to the Kubernetes API: none gets the namespace's ServiceAccount token. */
const noToken = { automountServiceAccountToken: false };

/** Requests and limits for every container; a memory limit keeps one leak from starving the node. */
const SERVING_RESOURCES = { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } };
const FRONTEND_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '384Mi' } };
const REPORT_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };
/** A run Job's limit: its request times four, room for a larger dataset without an OOM kill on the first spike. */
const jobLimits = (memory: string) => ({ memory: memory.replace(/^([0-9]+)/, (n) => String(Number(n) * 4)) });

function volumes(config: WorkloadConfig): Manifest[] {
  return [
    { name: 'artifacts', persistentVolumeClaim: { claimName: config.artifactClaim } },
    { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
  ];
}

function volumeMounts(config: WorkloadConfig): Manifest[] {
  return [
    { name: 'artifacts', mountPath: config.artifactMount },
    { name: 'scratch', mountPath: '/tmp' },
  ];
}

/**
 * The trainer's script: train, write the `--json` result to the run's directory on the artifact volume (atomic
 * rename), and leave only the version line in the termination message, which Kubernetes caps at 4 KiB.
 * Paths come from the environment so the same script runs in a pod and in a test playing the kubelet.
 */
export const TRAIN_SCRIPT = [
  'set -eu',
  'out="$RECSYS_STORE/$RECSYS_MODEL/runs/$RECSYS_RUN"',
  'mkdir -p "$out"',
  'recsys train --data "$RECSYS_DATA" --store "$RECSYS_STORE" --model "$RECSYS_MODEL" --models "$RECSYS_FAMILIES" --budget "$RECSYS_BUDGET" --min-coverage "$RECSYS_MIN_COVERAGE" $RECSYS_DATASET_FLAGS $RECSYS_MEMORY_FLAGS --json > "$out/train.json.partial"',
  'mv "$out/train.json.partial" "$out/train.json"',
  'sed -n \'s/^{"version":"\\([^"]*\\)".*"best":"\\([^"]*\\)".*/version=\\1 best=\\2/p\' "$out/train.json" > "$RECSYS_TERMINATION_LOG"',
].join('\n');

/** The gate's script: `recsys promote` under the RecModel's policy; the decision lands beside the run's result. */
export const GATE_SCRIPT = [
  'set -eu',
  'out="$RECSYS_STORE/$RECSYS_MODEL/runs/$RECSYS_RUN"',
  'mkdir -p "$out"',
  'printf \'%s\' "$RECSYS_POLICY" > "$RECSYS_SCRATCH/policy.json"',
  'recsys promote --store "$RECSYS_STORE" --model "$RECSYS_MODEL" --version "$RECSYS_CANDIDATE" --policy "$RECSYS_SCRATCH/policy.json" --json > "$out/gate.json.partial"',
  'mv "$out/gate.json.partial" "$out/gate.json"',
  'sed -n \'s/^{"verdict":"\\([a-z]*\\)".*/verdict=\\1/p\' "$out/gate.json" > "$RECSYS_TERMINATION_LOG"',
].join('\n');

function jobPodEnv(recModel: RecModel, config: WorkloadConfig): Manifest[] {
  return [
    { name: 'RECSYS_STORE', value: storeIn(config) },
    { name: 'RECSYS_MODEL', value: recModel.metadata.name },
    { name: 'RECSYS_SCRATCH', value: '/tmp' },
    { name: 'RECSYS_TERMINATION_LOG', value: '/dev/termination-log' },
    // The Job's own name keys its results, so a Job the CronJob created writes where the operator will look.
    { name: 'RECSYS_RUN', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
  ];
}

/**
 * A run's Job: one try (`backoffLimit: 0`, the operator decides what a failure means), kept a week, one container
 * running `script` in the trainer image with the run's environment and the artifact volume.
 */
function runJobSpec(
  config: WorkloadConfig,
  podLabels: Record<string, string>,
  container: { name: string; script: string; env: Manifest[]; requests: { cpu: string; memory: string } },
): Manifest {
  return {
    backoffLimit: 0,
    ttlSecondsAfterFinished: 7 * 24 * 3600,
    template: {
      metadata: { labels: podLabels },
      spec: {
        restartPolicy: 'Never',
        ...noToken,
        securityContext: podSecurity,
        volumes: volumes(config),
        containers: [
          {
            name: container.name,
            image: config.trainerImage,
            command: ['sh', '-c', container.script],
            env: container.env,
            resources: { requests: container.requests, limits: jobLimits(container.requests.memory) },
            terminationMessagePolicy: 'File',
            securityContext: containerSecurity,
            volumeMounts: volumeMounts(config),
          },
        ],
      },
    },
  };
}

function trainerJobSpec(recModel: RecModel, config: WorkloadConfig, podLabels: Record<string, string>): Manifest {
  const { spec } = recModel;
  return runJobSpec(config, podLabels, {
    name: 'trainer',
    script: TRAIN_SCRIPT,
    env: [
      ...jobPodEnv(recModel, config),
      { name: 'RECSYS_DATA', value: spec.dataset.source },
      // family or family:budget (`recsys train --models`).
      {
        name: 'RECSYS_FAMILIES',
        value: spec.models.families.map((f) => (f.budget ? `${f.name}:${f.budget}` : f.name)).join(','),
      },
      // Numbers and a flag the RecModel schema has validated, expanded unquoted into the train command.
      { name: 'RECSYS_DATASET_FLAGS', value: datasetFlags(spec.dataset) },
      { name: 'RECSYS_BUDGET', value: String(spec.models.budget) },
      { name: 'RECSYS_MIN_COVERAGE', value: String(spec.selection.minCoverage) },
      // An official archive name as the source is downloaded from here (a mirror for clusters without internet).
      ...(config.movieLensBaseUrl ? [{ name: 'RECSYS_MOVIELENS_BASE_URL', value: config.movieLensBaseUrl }] : []),
      // A quantity the schema has validated, or nothing: recsys train then takes half the container's memory limit.
      {
        name: 'RECSYS_MEMORY_FLAGS',
        value: spec.models.memoryBudget ? `--memory-budget ${spec.models.memoryBudget}` : '',
      },
      // recsys train reads the MLflow server from here; embedded tracking keeps the runs in the store.
      ...(spec.tracking.backend === 'mlflow' && spec.tracking.uri
        ? [{ name: 'RECSYS_TRACKING_URI', value: spec.tracking.uri }]
        : []),
    ],
    requests: { cpu: '1', memory: '1Gi' },
  });
}

/** `spec.dataset`'s thresholds as `recsys train` flags. */
export function datasetFlags(dataset: RecModel['spec']['dataset']): string {
  const flags = [
    `--positive-rating ${dataset.positiveRating}`,
    `--min-user-positives ${dataset.minUserPositives}`,
    `--min-item-positives ${dataset.minItemPositives}`,
  ];
  if (dataset.iterative) flags.push('--iterative');
  return flags.join(' ');
}

/** The trainer Job of one run: its name is the run's deterministic name, so creating it twice is a no-op. */
export function trainerJob(recModel: RecModel, config: WorkloadConfig, runName: string, trigger: string): Manifest {
  const runLabels = labels(recModel, 'train', { [RUN_LABEL]: runName });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...metadata(recModel, runName, 'train', { [RUN_LABEL]: runName }),
      annotations: { 'recsys.dev/trigger': trigger },
    },
    spec: trainerJobSpec(recModel, config, runLabels),
  };
}

/** The gate Job of one run: scores the candidate against Production under the RecModel's policy. */
export function gateJob(
  recModel: RecModel,
  config: WorkloadConfig,
  runName: string,
  candidateVersion: string,
  policy: PromotionPolicy,
): Manifest {
  const name = gateJobName(runName);
  const runLabels = labels(recModel, 'gate', { [RUN_LABEL]: runName });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(recModel, name, 'gate', { [RUN_LABEL]: runName }),
    spec: runJobSpec(config, runLabels, {
      name: 'gate',
      script: GATE_SCRIPT,
      env: [
        ...jobPodEnv(recModel, config),
        { name: 'RECSYS_CANDIDATE', value: candidateVersion },
        { name: 'RECSYS_POLICY', value: JSON.stringify(policy) },
      ],
      requests: { cpu: '500m', memory: '512Mi' },
    }),
  };
}

/** The serving Deployment pinned to one version; a new version rolls out with no unavailable replica. */
export function servingDeployment(
  recModel: RecModel,
  config: WorkloadConfig,
  version: string,
  serving: Pick<ServingSpec, 'replicas' | 'port' | 'image' | 'resources'>,
): Manifest {
  const name = servingName(recModel.metadata.name);
  const selector = { [RECMODEL_LABEL]: recModel.metadata.name, [ROLE_LABEL]: 'serving' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...metadata(recModel, name, 'serving'), annotations: { [VERSION_ANNOTATION]: version } },
    spec: {
      replicas: serving.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(recModel, 'serving'),
          annotations: {
            [VERSION_ANNOTATION]: version,
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(serving.port),
          },
        },
        spec: {
          ...noToken,
          securityContext: podSecurity,
          volumes: [
            ...volumes(config),
            ...(config.keysSecret
              ? [
                  {
                    name: 'keys',
                    secret: { secretName: config.keysSecret, items: [{ key: 'api-keys', path: 'api-keys' }] },
                  },
                ]
              : []),
          ],
          containers: [
            {
              name: 'serving',
              image: serving.image,
              args: [
                'serve',
                `--store=${storeIn(config)}`,
                `--model=${recModel.metadata.name}`,
                `--version=${version}`,
                '--host=0.0.0.0',
                `--port=${serving.port}`,
                `--log-dir=${logsIn(config)}`,
                ...(config.keysSecret ? [`--api-keys-file=${KEYS_MOUNT}/api-keys`] : []),
              ],
              ports: [{ name: 'http', containerPort: serving.port }],
              // Ready only once the pinned bundle's sha256 checks passed and it is loaded.
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 20 },
              resources: serving.resources ?? SERVING_RESOURCES,
              securityContext: containerSecurity,
              volumeMounts: [
                ...volumeMounts(config),
                ...(config.keysSecret ? [{ name: 'keys', mountPath: KEYS_MOUNT, readOnly: true }] : []),
              ],
            },
          ],
        },
      },
    },
  };
}

export function service(recModel: RecModel, name: string, role: OwnedRole, port: number): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(recModel, name, role),
    spec: {
      selector: { [RECMODEL_LABEL]: recModel.metadata.name, [ROLE_LABEL]: role },
      ports: [{ name: 'http', port, targetPort: 'http' }],
    },
  };
}

/** The site, proxying `/api` to the serving Service named at run time. */
export function frontendDeployment(
  recModel: RecModel,
  port: number,
  image: string,
  replicas: number,
  keysSecret?: string,
): Manifest {
  const fromSecret = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: keysSecret, key } },
  });
  const name = frontendName(recModel.metadata.name);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(recModel, name, 'frontend'),
    spec: {
      replicas,
      selector: { matchLabels: { [RECMODEL_LABEL]: recModel.metadata.name, [ROLE_LABEL]: 'frontend' } },
      template: {
        metadata: { labels: labels(recModel, 'frontend') },
        spec: {
          ...noToken,
          securityContext: podSecurity,
          volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '64Mi' } }],
          containers: [
            {
              name: 'frontend',
              image,
              env: [
                { name: 'HOST', value: '0.0.0.0' },
                { name: 'PORT', value: String(port) },
                {
                  name: 'RECSYS_API_URL',
                  value: `http://${servingName(recModel.metadata.name)}:${recModel.spec.serving.port}`,
                },
                // The key stays on the site's server; visitors get a signed session cookie instead.
                ...(keysSecret
                  ? [
                      fromSecret('RECSYS_API_KEY', 'site-api-key'),
                      fromSecret('RECSYS_SESSION_SECRET', 'session-secret'),
                    ]
                  : []),
              ],
              ports: [{ name: 'http', containerPort: port }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 10 },
              resources: FRONTEND_RESOURCES,
              securityContext: containerSecurity,
              volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
            },
          ],
        },
      },
    },
  };
}

/** The retraining CronJob: its jobTemplate is the trainer Job, so a fired slot trains exactly as a run does. */
export function retrainCronJob(recModel: RecModel, config: WorkloadConfig, schedule: string): Manifest {
  const name = retrainCronJobName(recModel.metadata.name);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(recModel, name, 'retrain-schedule'),
    spec: {
      schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labels(recModel, 'train') },
        spec: trainerJobSpec(recModel, config, labels(recModel, 'train')),
      },
    },
  };
}

/** The daily report CronJob: `recsys report` over the serving logs, written beside them on the volume. */
export function reportCronJob(recModel: RecModel, config: WorkloadConfig): Manifest {
  const name = reportCronJobName(recModel.metadata.name);
  const { report } = recModel.spec;
  const extension = report.format === 'json' ? 'json' : 'md';
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(recModel, name, 'report'),
    spec: {
      schedule: report.schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labels(recModel, 'report') },
        spec: {
          backoffLimit: 1,
          template: {
            metadata: { labels: labels(recModel, 'report') },
            spec: {
              restartPolicy: 'Never',
              ...noToken,
              securityContext: podSecurity,
              volumes: volumes(config),
              containers: [
                {
                  name: 'report',
                  image: config.trainerImage,
                  command: [
                    'sh',
                    '-c',
                    'set -eu\nmkdir -p "$RECSYS_REPORTS"\nrecsys report --log-dir "$RECSYS_LOGS" --since "$RECSYS_SINCE" --out "$RECSYS_REPORTS/$(date -u +%Y-%m-%d).$RECSYS_EXT"',
                  ],
                  env: [
                    { name: 'RECSYS_LOGS', value: logsIn(config) },
                    { name: 'RECSYS_REPORTS', value: `${config.artifactMount}/reports/${recModel.metadata.name}` },
                    { name: 'RECSYS_SINCE', value: report.since },
                    { name: 'RECSYS_EXT', value: extension },
                  ],
                  resources: REPORT_RESOURCES,
                  securityContext: containerSecurity,
                  volumeMounts: volumeMounts(config),
                },
              ],
            },
          },
        },
      },
    },
  };
}
