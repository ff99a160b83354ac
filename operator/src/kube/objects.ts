import type { Action } from '@recsys/core/recmodel/reconcile';
import { eventStreamUrl, type TrainingPlaces, trainingArgs } from '@recsys/core/recmodel/training-args';
import { RECMODEL_API_VERSION, RECMODEL_KIND, type RecModel, type ServingSpec } from '@recsys/core/recmodel/types';
import {
  frontendName,
  GATED_AGAINST_ANNOTATION,
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
  /**
   * The PostgreSQL the chart runs for `spec.serving.eventStream: postgres` (its URL, no password), and the Secret whose
   * `password` key serving and trainer pods get as PGPASSWORD (also for a stream the spec names by URL).
   */
  eventStream?: { url?: string; passwordSecret?: string };
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

/** Where training reads and writes on the artifact volume, as core's one translation of the spec names them. */
export function trainingPlacesIn(config: WorkloadConfig): TrainingPlaces {
  return {
    store: storeIn(config),
    workDir: `${config.artifactMount}/work`,
    serveLogs: logsIn(config),
    eventStream: config.eventStream?.url,
  };
}

/** PGPASSWORD from the stream's Secret, for a pod that talks to the event stream (none without one). */
function streamPassword(recModel: RecModel, config: WorkloadConfig): Manifest[] {
  const secret = config.eventStream?.passwordSecret;
  if (!secret || !recModel.spec.serving.eventStream) return [];
  return [{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }];
}

/** Kubernetes' termination message file: each step writes one line there (its outcome, or its error). */
const TERMINATION_LOG = '/dev/termination-log';

function jobPodEnv(): Manifest[] {
  // The Job's own name keys a training run's results, so a Job the CronJob created writes where the operator looks.
  return [
    { name: 'RECSYS_RUN', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
  ];
}

/**
 * A run's Job: one try (`backoffLimit: 0`, the operator decides what a failure means), kept a week, one container
 * running `recsys` with the step's arguments in the trainer image, with the artifact volume.
 */
function runJobSpec(
  config: WorkloadConfig,
  podLabels: Record<string, string>,
  container: { name: string; args: string[]; env: Manifest[]; requests: { cpu: string; memory: string } },
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
            command: ['recsys'],
            args: container.args,
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

/** The trainer's container runs core's one translation of the spec, recording its result under the Job's name. */
function trainerJobSpec(recModel: RecModel, config: WorkloadConfig, podLabels: Record<string, string>): Manifest {
  return runJobSpec(config, podLabels, {
    name: 'trainer',
    args: [
      ...trainingArgs(recModel, trainingPlacesIn(config)),
      ...['--run', '$(RECSYS_RUN)', '--termination-log', TERMINATION_LOG],
    ],
    env: [
      ...jobPodEnv(),
      // An official archive name as the source is downloaded from here (a mirror for clusters without internet).
      ...(config.movieLensBaseUrl ? [{ name: 'RECSYS_MOVIELENS_BASE_URL', value: config.movieLensBaseUrl }] : []),
      ...streamPassword(recModel, config),
    ],
    requests: { cpu: '1', memory: '1Gi' },
  });
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

/**
 * The gate Job of one run against one Production: a dry run (`recsys promote --dry-run`) that records its decision
 * in the run's directory; the operator applies it. Named by both, so a gate against a newer Production is a new Job.
 */
export function gateJob(recModel: RecModel, config: WorkloadConfig, action: Action<'evaluateGate'>): Manifest {
  const name = gateJobName(action.runName, action.productionVersion);
  const runLabels = labels(recModel, 'gate', { [RUN_LABEL]: action.runName });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...metadata(recModel, name, 'gate', { [RUN_LABEL]: action.runName }),
      annotations: { [GATED_AGAINST_ANNOTATION]: action.productionVersion ?? '' },
    },
    spec: runJobSpec(config, runLabels, {
      name: 'gate',
      args: [
        ...['promote', '--dry-run', '--store', storeIn(config), '--model', recModel.metadata.name],
        ...['--version', action.candidateVersion, '--policy-json', JSON.stringify(action.policy)],
        ...['--run', action.runName, '--termination-log', TERMINATION_LOG],
      ],
      env: [],
      requests: { cpu: '500m', memory: '512Mi' },
    }),
  };
}

type ServingSettings = Pick<ServingSpec, 'replicas' | 'port' | 'image' | 'resources' | 'foldInUsers' | 'eventStream'>;

/** `recsys serve` as the serving container runs it: pinned to a version, sharing the event stream when there is one. */
export function servingArgs(
  recModel: RecModel,
  config: WorkloadConfig,
  version: string,
  serving: Pick<ServingSettings, 'port' | 'foldInUsers' | 'eventStream'>,
): string[] {
  const stream = eventStreamUrl(serving.eventStream, trainingPlacesIn(config));
  return [
    'serve',
    `--store=${storeIn(config)}`,
    `--model=${recModel.metadata.name}`,
    `--version=${version}`,
    '--host=0.0.0.0',
    `--port=${serving.port}`,
    `--log-dir=${logsIn(config)}`,
    ...(config.keysSecret ? [`--api-keys-file=${KEYS_MOUNT}/api-keys`] : []),
    ...(serving.foldInUsers === undefined ? [] : [`--fold-in-users=${serving.foldInUsers}`]),
    ...(stream ? [`--event-stream=${stream}`] : []),
  ];
}

/** How long a deleted serving pod keeps answering before its SIGTERM: endpoint removal reaching every node. */
const SERVING_PRESTOP_SECONDS = 5;

/**
 * The serving Deployment pinned to one version; a new version rolls out with no unavailable replica, and each old pod
 * leaves the Service before it drains (preStop, then SIGTERM: /ready 503, `Connection: close`, in-flight finish).
 */
export function servingDeployment(
  recModel: RecModel,
  config: WorkloadConfig,
  version: string,
  serving: ServingSettings,
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
          terminationGracePeriodSeconds: 30,
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
              args: servingArgs(recModel, config, version, serving),
              env: streamPassword(recModel, config),
              ports: [{ name: 'http', containerPort: serving.port }],
              // Ready only once the pinned bundle's sha256 checks passed and it is loaded.
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
              // Deleted pods leave the Service's endpoints while this runs, before SIGTERM starts the drain.
              lifecycle: { preStop: { sleep: { seconds: SERVING_PRESTOP_SECONDS } } },
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

/** Voluntary disruptions (a node drain, an eviction) take at most one serving pod at a time. */
export function servingDisruptionBudget(recModel: RecModel): Manifest {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(recModel, servingName(recModel.metadata.name), 'serving'),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: { [RECMODEL_LABEL]: recModel.metadata.name, [ROLE_LABEL]: 'serving' } },
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

/** True when every field the operator sets in `desired` has the same value in `existing` (defaults aside). */
export function sameSpec(desired: unknown, existing: unknown): boolean {
  if (desired === null || typeof desired !== 'object') return desired === existing;
  if (existing === null || typeof existing !== 'object') return false;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(existing) && desired.length === existing.length && desired.every((d, i) => sameSpec(d, existing[i]))
    );
  }
  return Object.entries(desired).every(([k, v]) => sameSpec(v, (existing as Record<string, unknown>)[k]));
}
