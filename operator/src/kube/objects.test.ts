import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import { trainingArgs } from '@recsys/core/recmodel/training-args';
import { describe, expect, it } from 'vitest';
import { gateJobName, RUN_LABEL, retrainCronJobName, servingName, VERSION_ANNOTATION } from './names.ts';
import {
  frontendDeployment,
  gateJob,
  type Manifest,
  reportCronJob,
  retrainCronJob,
  servingDeployment,
  servingDisruptionBudget,
  trainerJob,
} from './objects.ts';

const config = { trainerImage: 'trainer:1.2.3', artifactClaim: 'artifacts', artifactMount: '/artifacts' };
const recModel = parseRecModelOrThrow({
  apiVersion: 'recsys.dev/v1alpha1',
  kind: 'RecModel',
  metadata: { name: 'a'.repeat(52), namespace: 'ns', uid: 'uid-1', generation: 4 },
  spec: { dataset: { source: '/artifacts/data/ml-100k' }, schedule: '0 3 * * *' },
});

function containers(pod: Manifest): Manifest[] {
  return pod.spec.containers;
}

describe('owned objects', () => {
  it('names stay DNS-1123 labels of at most 63 characters, even for the longest RecModel name', () => {
    for (const name of [
      servingName(recModel.metadata.name),
      retrainCronJobName(recModel.metadata.name),
      gateJobName('r'.repeat(63), 'v20261129-101010-000-abcdef'),
    ]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  it('a trainer Job is owned by its RecModel, named after the run, and never restarts its pod', () => {
    const job = trainerJob(recModel, config, 'movies-g4-abc', 'spec');
    expect(job.metadata.name).toBe('movies-g4-abc');
    expect(job.metadata.labels[RUN_LABEL]).toBe('movies-g4-abc');
    expect(job.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'RecModel', uid: 'uid-1', controller: true, blockOwnerDeletion: true }),
    ]);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const [container] = containers(job.spec.template);
    expect(container?.command).toEqual(['recsys']);
    // Core's one translation of the spec, as the local runtime runs it too; results keyed by the Job's name.
    expect(container?.args).toEqual([
      ...trainingArgs(recModel, {
        store: '/artifacts/store',
        workDir: '/artifacts/work',
        serveLogs: '/artifacts/logs',
      }),
      ...['--run', '$(RECSYS_RUN)', '--termination-log', '/dev/termination-log'],
    ]);
    expect(container?.env).toEqual([
      { name: 'RECSYS_RUN', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
    ]);
  });

  it('a trainer Job and the retrain schedule download official archives from the configured MovieLens mirror', () => {
    const mirror = { ...config, movieLensBaseUrl: 'http://movielens.recsys.svc' };
    const envOf = (pod: Manifest) =>
      Object.fromEntries(containers(pod).flatMap((c) => c.env.map((e: Manifest) => [e.name, e.value])));
    expect(envOf(trainerJob(recModel, mirror, 'run', 'spec').spec.template).RECSYS_MOVIELENS_BASE_URL).toBe(
      'http://movielens.recsys.svc',
    );
    const schedule = retrainCronJob(recModel, mirror, '0 3 * * *').spec.jobTemplate.spec.template;
    expect(envOf(schedule).RECSYS_MOVIELENS_BASE_URL).toBe('http://movielens.recsys.svc');
    expect(envOf(trainerJob(recModel, config, 'run', 'spec').spec.template)).not.toHaveProperty(
      'RECSYS_MOVIELENS_BASE_URL',
    );
  });

  it('passes spec.dataset (event logs included), the selection rule, the budgets and the thresholds to recsys retrain', () => {
    const custom = structuredClone(recModel);
    custom.spec.models.families = [{ name: 'als', budget: 12 }, { name: 'itemknn' }];
    custom.spec.dataset = {
      ...custom.spec.dataset,
      positiveRating: 3.5,
      minItemPositives: 3,
      iterative: true,
      eventLogs: '/artifacts/events',
    };
    custom.spec.models.memoryBudget = '12Gi';
    const args: string[] = containers(trainerJob(custom, config, 'run', 'spec').spec.template)[0]?.args;
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(args.slice(0, 2)).toEqual(['retrain', '--candidate-only']);
    expect(flag('--source')).toBe('/artifacts/data/ml-100k');
    expect(flag('--event-logs')).toBe('/artifacts/events');
    expect(flag('--models')).toBe('als:12,itemknn');
    expect([flag('--positive-rating'), flag('--min-user-positives'), flag('--min-item-positives')]).toEqual([
      '3.5',
      '5',
      '3',
    ]);
    expect(args).toContain('--iterative');
    expect(flag('--memory-budget')).toBe('12Gi');
    expect([flag('--min-coverage'), flag('--max-jaccard')]).toEqual(['0.5', '0.1']);
    const plain: string[] = trainerJob(recModel, config, 'run', 'spec').spec.template.spec.containers[0].args;
    // Unnamed budgets stay unnamed: each family its own default, half the container's memory limit.
    expect(plain).not.toContain('--memory-budget');
    expect(plain).not.toContain('--budget');
    custom.spec.models.budget = 4;
    const budgeted: string[] = containers(trainerJob(custom, config, 'run', 'spec').spec.template)[0]?.args;
    expect(budgeted[budgeted.indexOf('--budget') + 1]).toBe('4');
    expect(args.join(' ')).not.toMatch(/sed|\|/);
  });

  it('a gate Job is a dry run against one Production, with the policy inline and the result under the run', () => {
    const action = {
      type: 'evaluateGate' as const,
      runName: 'movies-g4-abc',
      candidateVersion: 'v2',
      productionVersion: 'v1',
      policy: recModel.spec.promotion,
    };
    const job = gateJob(recModel, config, action);
    expect(job.metadata.name).toBe(gateJobName('movies-g4-abc', 'v1'));
    expect(gateJobName('movies-g4-abc', 'v2')).not.toBe(job.metadata.name);
    const args: string[] = containers(job.spec.template)[0]?.args;
    expect(args.slice(0, 2)).toEqual(['promote', '--dry-run']);
    expect(JSON.parse(args[args.indexOf('--policy-json') + 1])).toEqual(recModel.spec.promotion);
    expect(args[args.indexOf('--run') + 1]).toBe('movies-g4-abc');
  });

  it('every pod runs non-root on a read-only root filesystem and writes only to its volumes', () => {
    const pods = [
      trainerJob(recModel, config, 'run', 'spec').spec.template,
      servingDeployment(recModel, config, 'v1', recModel.spec.serving).spec.template,
      retrainCronJob(recModel, config, '0 3 * * *').spec.jobTemplate.spec.template,
    ];
    for (const pod of pods) {
      expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
      const volumes = new Set(pod.spec.volumes.map((v: Manifest) => v.name));
      for (const container of containers(pod)) {
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        for (const mount of container.volumeMounts) expect(volumes.has(mount.name)).toBe(true);
      }
    }
  });

  it('no workload pod gets a ServiceAccount token, and every container has requests and a memory limit (issue 16)', () => {
    const withReport = structuredClone(recModel);
    withReport.spec.report = { ...withReport.spec.report, schedule: '0 6 * * *' };
    const pods = [
      trainerJob(recModel, config, 'run', 'spec').spec.template,
      gateJob(recModel, config, {
        type: 'evaluateGate',
        runName: 'run',
        candidateVersion: 'v2',
        productionVersion: 'v1',
        policy: recModel.spec.promotion,
      }).spec.template,
      servingDeployment(recModel, config, 'v1', recModel.spec.serving).spec.template,
      frontendDeployment(recModel, 4321, 'site:1', 1).spec.template,
      retrainCronJob(recModel, config, '0 3 * * *').spec.jobTemplate.spec.template,
      reportCronJob(withReport, config).spec.jobTemplate.spec.template,
    ];
    for (const pod of pods) {
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      for (const container of containers(pod)) {
        expect(container.resources?.requests?.cpu, container.name).toBeDefined();
        expect(container.resources?.requests?.memory, container.name).toBeDefined();
        expect(container.resources?.limits?.memory, container.name).toBeDefined();
      }
    }
  });

  it('with the keys Secret, serving reads its key file from it and the site gets its key and session secret', () => {
    const keyed = { ...config, keysSecret: 'rs-keys' };
    const serving = servingDeployment(recModel, keyed, 'v1', recModel.spec.serving).spec.template;
    expect(containers(serving)[0].args).toContain('--api-keys-file=/etc/recsys/keys/api-keys');
    expect(serving.spec.volumes).toContainEqual(
      expect.objectContaining({ name: 'keys', secret: expect.objectContaining({ secretName: 'rs-keys' }) }),
    );
    const site = frontendDeployment(recModel, 4321, 'site:1', 1, 'rs-keys').spec.template;
    const env = Object.fromEntries(containers(site)[0].env.map((e: Manifest) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(env.RECSYS_API_KEY).toEqual({ name: 'rs-keys', key: 'site-api-key' });
    expect(env.RECSYS_SESSION_SECRET).toEqual({ name: 'rs-keys', key: 'session-secret' });
    expect(JSON.stringify(site)).not.toContain('api-keys');
  });

  it('with an event stream, serving and trainer pods use it (password from its Secret) and the retrain reads it, not logs', () => {
    const shared = parseRecModelOrThrow({
      ...recModel,
      spec: { ...recModel.spec, serving: { eventStream: 'postgres', foldInUsers: 20_000 } },
    });
    const streamed = {
      ...config,
      eventStream: { url: 'postgres://recsys@rs-events:5432/recsys', passwordSecret: 'rs-events' },
    };
    const password = { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'rs-events', key: 'password' } } };
    const [serving] = containers(servingDeployment(shared, streamed, 'v1', shared.spec.serving).spec.template);
    expect(serving.args).toContain('--event-stream=postgres://recsys@rs-events:5432/recsys');
    expect(serving.args).toContain('--fold-in-users=20000');
    expect(serving.env).toEqual([password]);
    const [trainer] = containers(trainerJob(shared, streamed, 'run', 'spec').spec.template);
    expect(trainer.args.join(' ')).toContain('--event-stream postgres://recsys@rs-events:5432/recsys');
    expect(trainer.args).not.toContain('--event-logs');
    expect(trainer.env).toContainEqual(password);
    // A spec asking for the chart's engine where the chart runs none is refused with what to do.
    expect(() => servingDeployment(shared, config, 'v1', shared.spec.serving)).toThrow(/eventStream\.enabled=true/);
    // Without a stream, neither a password nor the flag.
    const [plain] = containers(servingDeployment(recModel, streamed, 'v1', recModel.spec.serving).spec.template);
    expect(plain.args.join(' ')).not.toContain('--event-stream');
    expect(plain.env).toEqual([]);
  });

  it('serving is pinned to one version and rolls with no unavailable replica, ready only on /ready', () => {
    const deployment = servingDeployment(recModel, config, 'v20261129-1', { ...recModel.spec.serving, replicas: 3 });
    const [container] = containers(deployment.spec.template);
    expect(container?.args).toContain('--version=v20261129-1');
    expect(deployment.spec.template.metadata.annotations[VERSION_ANNOTATION]).toBe('v20261129-1');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(container?.readinessProbe.httpGet.path).toBe('/ready');
  });

  it('a serving pod leaves the Service before it drains, and disruptions take one serving pod at a time', () => {
    const deployment = servingDeployment(recModel, config, 'v1', recModel.spec.serving);
    const [container] = containers(deployment.spec.template);
    const preStop = container?.lifecycle.preStop.sleep.seconds;
    expect(preStop).toBeGreaterThanOrEqual(5);
    // preStop, the drain window and in-flight requests all fit in the grace period before SIGKILL.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + 15);
    const budget = servingDisruptionBudget(recModel);
    expect(budget.kind).toBe('PodDisruptionBudget');
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector });
    expect(budget.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'RecModel', controller: true })]);
  });

  it('the retrain CronJob runs the same trainer pod as a run, on the spec schedule, never two at once', () => {
    const cronJob = retrainCronJob(recModel, config, '0 3 * * *');
    expect(cronJob.spec.schedule).toBe('0 3 * * *');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    expect(cronJob.spec.jobTemplate.spec.template.spec).toEqual(
      trainerJob(recModel, config, 'x', 'spec').spec.template.spec,
    );
  });
});
