import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { startTestApiServer, type TestApiServer } from '../testing/apiserver.ts';
import { kubeBinaries } from '../testing/kube-binaries.ts';
import { finishJob, markDeploymentReady, recsysShim, runJobPod } from '../testing/kubelet.ts';
import { type ManagedProcess, startProcess } from '../testing/managed-process.ts';
import { installRecModelCrd } from '../testing/recmodel-crd.ts';
import { CRONJOB_SCHEDULED_ANNOTATION, frontendName, gateJobName, retrainCronJobName, servingName } from './names.ts';

const binaries = kubeBinaries();
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const cli = path.join(repoRoot, 'cli/src/main.ts');
const namespace = 'recsys';
const release = 'rs';
const operatorUser = `system:serviceaccount:${namespace}:${release}-operator`;
const mountPath = '/artifacts';

// biome-ignore lint/suspicious/noExplicitAny: API objects as JSON.
type Manifest = Record<string, any>;

/** The example RecModel, with a small search and the synthetic dataset on the artifact volume. */
function recModelYaml(overrides: {
  families: string[];
  minRelativeImprovement: number;
  schedule: string;
  promotion?: Manifest;
}): string {
  const document = parseDocument(readFileSync(path.join(repoRoot, 'examples/recmodel.yaml'), 'utf8'));
  const value = document.toJS() as Manifest;
  value.metadata.namespace = namespace;
  value.spec.dataset.source = `${mountPath}/data/synth`;
  value.spec.models = { families: overrides.families.map((name) => ({ name })), budget: 2 };
  value.spec.promotion = { ...value.spec.promotion, ...overrides.promotion };
  value.spec.promotion.minRelativeImprovement = overrides.minRelativeImprovement;
  value.spec.schedule = overrides.schedule;
  return JSON.stringify(value);
}

describe.skipIf(!binaries)('RecModel operator against a real API server (audit log on, chart RBAC)', () => {
  let server: TestApiServer;
  let work: string;
  let volume: string;
  let shimBin: string;
  let operatorConfig: string;
  let operator: ManagedProcess | undefined;
  let operators = 0;

  const get = async (apiPath: string): Promise<Manifest> => {
    const response = await server.request('GET', apiPath);
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body) as Manifest;
  };
  const recModel = () => get(`/apis/recsys.dev/v1alpha1/namespaces/${namespace}/recmodels/movies`);
  const trainJobs = async () =>
    (await get(`/apis/batch/v1/namespaces/${namespace}/jobs?labelSelector=recsys.dev/role%3Dtrain`))
      .items as Manifest[];
  const job = async (name: string) => {
    const response = await server.request('GET', `/apis/batch/v1/namespaces/${namespace}/jobs/${name}`);
    return response.status === 200 ? (JSON.parse(response.body) as Manifest) : undefined;
  };
  const events = async () => (await get(`/api/v1/namespaces/${namespace}/events`)).items as Manifest[];
  const askForRetrain = async (value: string) => {
    const annotated = await server.kubectl([
      ...['annotate', '--overwrite', '-n', namespace],
      ...['recmodel/movies', `recsys.dev/retrain=${value}`],
    ]);
    expect(annotated.code, annotated.stderr).toBe(0);
  };

  function startOperator(env: string[] = []): ManagedProcess {
    operators += 1;
    return startProcess(
      `operator-${operators}`,
      'env',
      [
        ...env,
        process.execPath,
        cli,
        'operator',
        `--kubeconfig=${operatorConfig}`,
        `--namespace=${namespace}`,
        `--identity=operator-${operators}`,
        `--artifact-root=${volume}`,
        `--artifact-mount=${mountPath}`,
        `--artifact-claim=${release}-artifacts`,
        '--trainer-image=ghcr.io/recsys-dev/trainer:0.1.0',
        '--lease-duration=3',
      ],
      path.join(work, `operator-${operators}.log`),
    );
  }

  /** Runs a Job's pod locally and reports it finished, as the kubelet and job controller would. */
  async function complete(name: string): Promise<string> {
    const manifest = await job(name);
    expect(manifest, `Job ${name}`).toBeDefined();
    const pod = await runJobPod(manifest as Manifest, { mountPath, volumeDir: volume, shimBin });
    expect(pod.code, pod.stderr).toBe(0);
    await finishJob(server, namespace, name, true);
    return pod.terminationMessage;
  }

  const waitFor = <T>(what: () => Promise<T>, timeout = 60_000) => vi.waitFor(what, { timeout, interval: 250 });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'recsys-operator-'));
    volume = path.join(work, 'volume');
    mkdirSync(path.join(volume, 'data'), { recursive: true });
    shimBin = recsysShim(work);
    // The raw ratings on the volume: a trainer Job ingests, merges and prepares them (recsys retrain).
    const raw = path.join(volume, 'data/synth');
    execFileSync(
      process.execPath,
      [
        cli,
        'data',
        'synth',
        '--users',
        '300',
        '--items',
        '200',
        '--interactions',
        '15000',
        '--seed',
        '7',
        '--out',
        raw,
      ],
      { stdio: 'ignore' },
    );

    server = await startTestApiServer({ auditLog: true, binaries });
  });

  afterAll(async () => {
    await operator?.stop();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('accepts the CRD and the chart (helm template | kubectl apply), and gives the operator a ServiceAccount token', async () => {
    await installRecModelCrd(server, namespace);
    const rendered = execFileSync(
      binaries?.helm as string,
      ['template', release, path.join(repoRoot, 'charts/recsys'), '--namespace', namespace],
      {
        encoding: 'utf8',
      },
    );
    const applied = await server.kubectl(['apply', '-f', '-'], { input: rendered });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`role.rbac.authorization.k8s.io/${release}-operator created`);
    operatorConfig = server.kubeconfigForToken(
      'operator',
      await server.tokenForServiceAccount(namespace, `${release}-operator`),
    );
  });

  it('rejects an invalid spec with the API server’s CEL error', async () => {
    const invalid = JSON.parse(recModelYaml({ families: ['als'], minRelativeImprovement: 2, schedule: '0 3 * * *' }));
    invalid.metadata.name = 'invalid';
    const result = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(invalid) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('minRelativeImprovement must be within [-1, 1]');
    const badSchedule = JSON.parse(
      recModelYaml({ families: ['als'], minRelativeImprovement: 0.01, schedule: 'every day' }),
    );
    badSchedule.metadata.name = 'invalid';
    const scheduled = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(badSchedule) });
    expect(scheduled.code).not.toBe(0);
    expect(scheduled.stderr).toMatch(/schedule/);
  });

  it('creates the trainer Job once even when killed right after creating it (before the status names it)', async () => {
    operator = startOperator(['RECSYS_CRASH_AT=operator:job-created']);
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelYaml({
        families: ['popularity', 'ease_trend'],
        minRelativeImprovement: 0.01,
        schedule: '0 3 * * *',
      }),
    });
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor(async () => expect(operator?.exited()?.signal).toBe('SIGKILL'));
    const created = await trainJobs();
    expect(created).toHaveLength(1);
    expect((await recModel()).status?.training).toBeUndefined();

    operator = startOperator();
    await waitFor(async () => expect((await recModel()).status?.training?.runName).toBe(created[0]?.metadata.name));
    expect(await trainJobs()).toHaveLength(1);
    // A standby never acts while the leader renews the Lease.
    const standby = startOperator();
    await waitFor(async () => expect(readFileSync(standby.logFile, 'utf8')).toContain('waiting for the lease'));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await standby.stop();
    const standbyLog = readFileSync(standby.logFile, 'utf8');
    expect(standbyLog).not.toContain('leading');
    const lease = await get(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/recsys-operator`);
    expect(lease.spec.holderIdentity).toBe(`operator-${operators - 1}`);
    expect(lease.spec.leaseTransitions).toBe(1);
    const owner = created[0]?.metadata.ownerReferences?.[0];
    expect(owner).toMatchObject({ kind: 'RecModel', name: 'movies', controller: true });
  });

  it('trains, gates and promotes the first model, then pins serving to it', async () => {
    const runName = (await recModel()).status.training.runName as string;
    const message = await complete(runName);
    expect(message).toMatch(/^version=v\S+ best=\w+\n?$/);
    const version = /version=(\S+)/.exec(message)?.[1];
    await waitFor(async () => expect(await job(gateJobName(runName, null))).toBeDefined());
    await complete(gateJobName(runName, null));
    await waitFor(async () => expect((await recModel()).status?.productionVersion).toBe(version));
    const deployment = await waitFor(async () => {
      const d = await get(`/apis/apps/v1/namespaces/${namespace}/deployments/${servingName('movies')}`);
      expect(d.spec.template.spec.containers[0].args).toContain(`--version=${version}`);
      return d;
    });
    expect(deployment.spec.replicas).toBe(1);
    await get(`/api/v1/namespaces/${namespace}/services/${servingName('movies')}`);
    await markDeploymentReady(server, namespace, servingName('movies'));
    await waitFor(async () => {
      const ready = (await recModel()).status.conditions.find((c: Manifest) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
    });
    const table = await server.kubectl(['get', 'recmodels', '-n', namespace]);
    expect(table.stdout).toMatch(/NAME\s+PRODUCTION\s+STAGING\s+NDCG@10\s+READY\s+AGE/);
    expect(table.stdout).toMatch(new RegExp(`movies\\s+${version}\\s+\\s*0\\.\\d+\\s+True`));
    expect((await events()).some((e) => e.reason === 'Promoted' && e.type === 'Normal')).toBe(true);
    const schedules = (await get(`/apis/batch/v1/namespaces/${namespace}/cronjobs`)).items.map(
      (c: Manifest) => c.metadata.name,
    );
    expect(schedules.sort()).toEqual(['movies-report', 'movies-retrain']);
  });

  it('retains a worse candidate with a Warning Event naming the failing rule, serving unchanged', async () => {
    const production = (await recModel()).status.productionVersion as string;
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelYaml({ families: ['popularity'], minRelativeImprovement: 0.01, schedule: '30 4 * * *' }),
    });
    expect(applied.code, applied.stderr).toBe(0);
    const runName = await waitFor(async () => {
      const training = (await recModel()).status.training;
      expect(training.trigger).toBe('spec');
      return training.runName as string;
    });
    await complete(runName);
    await waitFor(async () => expect(await job(gateJobName(runName, production))).toBeDefined());
    await complete(gateJobName(runName, production));
    const retained = await waitFor(async () => {
      const event = (await events()).find((e) => e.reason === 'Retained');
      expect(event).toBeDefined();
      return event as Manifest;
    });
    expect(retained.type).toBe('Warning');
    expect(retained.message).toMatch(/failed: .*ndcg@10/);
    expect((await recModel()).status.productionVersion).toBe(production);
    const cronJob = await get(`/apis/batch/v1/namespaces/${namespace}/cronjobs/${retrainCronJobName('movies')}`);
    expect(cronJob.spec.schedule).toBe('30 4 * * *');
    const deployment = await get(`/apis/apps/v1/namespaces/${namespace}/deployments/${servingName('movies')}`);
    expect(deployment.spec.template.spec.containers[0].args).toContain(`--version=${production}`);
  });

  it('retains on the noise rules (minConfidence, minUsers) with a Warning Event naming both, the user count in it', async () => {
    const { productionVersion: production, training: previous } = (await recModel()).status;
    // The same families on the same data as Production: the candidate's gain cannot be told from noise.
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelYaml({
        families: ['popularity', 'ease_trend'],
        minRelativeImprovement: -0.5,
        schedule: '30 4 * * *',
        promotion: { minConfidence: 0.95, minUsers: 100_000 },
      }),
    });
    expect(applied.code, applied.stderr).toBe(0);
    const runName = await waitFor(async () => {
      const training = (await recModel()).status.training;
      expect(training).toMatchObject({ trigger: 'spec', runName: expect.not.stringMatching(`^${previous.runName}$`) });
      return training.runName as string;
    });
    await complete(runName);
    await waitFor(async () => expect(await job(gateJobName(runName, production))).toBeDefined());
    await complete(gateJobName(runName, production));
    const retained = await waitFor(async () => {
      const event = (await events()).find(
        (e) => e.reason === 'Retained' && e.message.includes('insufficient evidence'),
      );
      expect(event).toBeDefined();
      return event as Manifest;
    });
    expect(retained.type).toBe('Warning');
    const users = /the gate window has (\d+) evaluated users, fewer than minUsers 100000/.exec(retained.message)?.[1];
    expect(users, retained.message).toBeDefined();
    expect(retained.message).toContain(`insufficient evidence: ${users} evaluated users, fewer than minUsers 100000`);
    expect(retained.message).toMatch(
      /ndcg@10: paired bootstrap 95% CI of the difference \[-?\d\.\d{4}, -?\d\.\d{4}\] above 0 \(minConfidence\)/,
    );
    expect((await recModel()).status.productionVersion).toBe(production);
  });

  it('adopts the Job the CronJob creates for a slot, and on promote patches the Deployment to the new version', async () => {
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelYaml({
        families: ['popularity', 'ease_trend'],
        minRelativeImprovement: -1,
        schedule: '30 4 * * *',
      }),
    });
    expect(applied.code, applied.stderr).toBe(0);
    const specRun = await waitFor(async () => {
      const { metadata, status } = await recModel();
      expect(status.training.generation).toBe(metadata.generation);
      return status.training.runName as string;
    });
    const before = (await recModel()).status.productionVersion as string;
    await complete(specRun);
    await waitFor(async () => expect(await job(gateJobName(specRun, before))).toBeDefined());
    await complete(gateJobName(specRun, before));
    const promoted = await waitFor(async () => {
      const last = (await recModel()).status.history.at(-1);
      expect(last.runName).toBe(specRun);
      expect(last.verdict).toBe('promote');
      return last.version as string;
    });
    await waitFor(async () => {
      const d = await get(`/apis/apps/v1/namespaces/${namespace}/deployments/${servingName('movies')}`);
      expect(d.spec.template.spec.containers[0].args).toContain(`--version=${promoted}`);
    });

    // Play the cronjob controller: a Job from the jobTemplate, owned by the CronJob, stamped with its slot.
    const cronJob = await get(`/apis/batch/v1/namespaces/${namespace}/cronjobs/${retrainCronJobName('movies')}`);
    const slot = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString();
    const fired = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `${cronJob.metadata.name}-${Math.floor(Date.parse(slot) / 60_000)}`,
        namespace,
        labels: cronJob.spec.jobTemplate.metadata.labels,
        annotations: { [CRONJOB_SCHEDULED_ANNOTATION]: slot },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: cronJob.metadata.name,
            uid: cronJob.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: cronJob.spec.jobTemplate.spec,
    };
    const createdJob = await server.request('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, { body: fired });
    expect(createdJob.status, createdJob.body).toBe(201);
    const jobsBefore = (await trainJobs()).length;
    await waitFor(async () => expect((await recModel()).status.training.trigger).toBe('schedule'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await trainJobs()).toHaveLength(jobsBefore);
    await complete(fired.metadata.name);
    const scheduledRun = (await recModel()).status.training.runName as string;
    await waitFor(async () => expect(await job(gateJobName(scheduledRun, promoted))).toBeDefined());
    await complete(gateJobName(scheduledRun, promoted));
    await waitFor(async () => expect((await recModel()).status.history.at(-1).runName).toBe(scheduledRun));
  });

  it('gates a retrain started by hand from the CronJob (kubectl create job --from=cronjob/…)', async () => {
    const started = await server.kubectl([
      'create',
      'job',
      '-n',
      namespace,
      `--from=cronjob/${retrainCronJobName('movies')}`,
      'movies-by-hand',
    ]);
    expect(started.code, started.stderr).toBe(0);
    await waitFor(async () => {
      const training = (await recModel()).status.training;
      expect(training).toMatchObject({ runName: 'movies-by-hand', trigger: 'manual' });
    });
    const production = (await recModel()).status.productionVersion as string;
    await complete('movies-by-hand');
    await waitFor(async () => expect(await job(gateJobName('movies-by-hand', production))).toBeDefined());
    await complete(gateJobName('movies-by-hand', production));
    await waitFor(async () => expect((await recModel()).status.history.at(-1).runName).toBe('movies-by-hand'));
    expect((await events()).some((e) => e.reason === 'TrainingAdopted')).toBe(true);
  });

  it('a retrain annotation starts one run; its failure is a Warning Event and a Degraded condition, Production kept', async () => {
    const production = (await recModel()).status.productionVersion as string;
    await askForRetrain('2026-11-29T23:00');
    const runName = await waitFor(async () => {
      const training = (await recModel()).status.training;
      expect(training.trigger).toBe('annotation');
      return training.runName as string;
    });
    expect(await job(runName)).toBeDefined();
    await finishJob(server, namespace, runName, false);
    await waitFor(async () => {
      const status = (await recModel()).status;
      expect(status.lastFailure?.runName).toBe(runName);
      expect(status.conditions.find((c: Manifest) => c.type === 'Degraded')?.status).toBe('True');
    });
    const failed = (await events()).find((e) => e.reason === 'TrainingFailed');
    expect(failed?.type).toBe('Warning');
    expect(failed?.message).toContain('BackoffLimitExceeded');
    expect((await recModel()).status.productionVersion).toBe(production);
  });

  it("puts the trainer's own error in the Degraded condition, not only the Job's BackoffLimitExceeded", async () => {
    await askForRetrain('2026-11-30T08:00');
    const runName = await waitFor(async () => {
      const status = (await recModel()).status;
      expect(status.lastRetrainRequest).toBe('2026-11-30T08:00');
      return status.training.runName as string;
    });
    // The data goes missing under the run: the pod fails, as a real trainer would.
    const data = path.join(volume, 'data/synth');
    renameSync(data, `${data}.away`);
    try {
      const pod = await runJobPod((await job(runName)) as Manifest, { mountPath, volumeDir: volume, shimBin });
      expect(pod.code).not.toBe(0);
      expect(pod.terminationMessage).toMatch(/^TrainingFailed: /);
    } finally {
      renameSync(`${data}.away`, data);
    }
    await finishJob(server, namespace, runName, false);
    const degraded = await waitFor(async () => {
      const status = (await recModel()).status;
      expect(status.lastFailure?.runName).toBe(runName);
      return status.conditions.find((c: Manifest) => c.type === 'Degraded');
    });
    expect(degraded.message).toContain('TrainingFailed');
    expect(degraded.message).toContain('data/synth: source directory does not exist');
    expect(degraded.message).not.toContain('BackoffLimitExceeded');
  });

  it('runs the site while spec.frontend.enabled, pointed at the serving Service, and scales it to zero when not', async () => {
    const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${frontendName('movies')}`;
    const site = await waitFor(async () => {
      const d = await get(path);
      expect(d.spec.replicas).toBe(1);
      return d;
    });
    const container = site.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/recsys-dev/frontend:0.1.0');
    expect(container.env).toContainEqual({ name: 'RECSYS_API_URL', value: `http://${servingName('movies')}:8000` });
    await get(`/api/v1/namespaces/${namespace}/services/${frontendName('movies')}`);

    const toggle = (enabled: boolean) =>
      server.kubectl([
        'patch',
        'recmodel',
        'movies',
        '-n',
        namespace,
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { frontend: { enabled } } }),
      ]);
    expect((await toggle(false)).code).toBe(0);
    await waitFor(async () => expect((await get(path)).spec.replicas).toBe(0));
    expect((await toggle(true)).code).toBe(0);
    await waitFor(async () => expect((await get(path)).spec.replicas).toBe(1));
  });

  it('on delete, the finalizer removes the schedules and lets the RecModel go', async () => {
    const deleted = await server.kubectl(['delete', 'recmodel', 'movies', '-n', namespace, '--wait=false']);
    expect(deleted.code, deleted.stderr).toBe(0);
    await waitFor(async () => {
      const response = await server.request(
        'GET',
        `/apis/recsys.dev/v1alpha1/namespaces/${namespace}/recmodels/movies`,
      );
      expect(response.status).toBe(404);
    });
    const cronJobs = await get(`/apis/batch/v1/namespaces/${namespace}/cronjobs`);
    expect(cronJobs.items).toHaveLength(0);
  });

  it('the audit log shows no 403 for the operator and every permission the chart grants it in use', async () => {
    const mine = server.auditEvents().filter((event) => event.user.username === operatorUser);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((event) => event.responseStatus?.code === 403).map((e) => `${e.verb} ${e.requestURI}`)).toEqual(
      [],
    );
    const used = new Set(
      mine.map((e) => {
        const resource = e.objectRef?.subresource
          ? `${e.objectRef.resource}/${e.objectRef.subresource}`
          : e.objectRef?.resource;
        return `${e.objectRef?.apiGroup ?? ''}:${resource}:${e.verb}`;
      }),
    );
    const role = await get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/${release}-operator`);
    const granted: string[] = role.rules.flatMap((rule: Manifest) =>
      rule.apiGroups.flatMap((group: string) =>
        rule.resources.flatMap((resource: string) => rule.verbs.map((verb: string) => `${group}:${resource}:${verb}`)),
      ),
    );
    expect(granted.filter((permission) => !used.has(permission))).toEqual([]);
    // Level-triggered but not chatty: one serving Deployment patch per promotion that changed the version (three:
    // a spec run, a scheduled run and a run started by hand), and one site Deployment patch per frontend toggle (two).
    const patches = (resource: string) => mine.filter((e) => e.verb === 'patch' && e.objectRef?.resource === resource);
    const deploymentPatches = (name: string) => patches('deployments').filter((e) => e.objectRef?.name === name);
    expect(deploymentPatches(servingName('movies'))).toHaveLength(3);
    expect(deploymentPatches(frontendName('movies'))).toHaveLength(2);
    expect(patches('deployments')).toHaveLength(5);
    expect(patches('cronjobs').length).toBeLessThanOrEqual(2);
  });

  it('refuses a gate decision whose Production moved before it was applied, gates again, and never promotes the worse candidate', async () => {
    // A RecModel of its own: popularity first, then itemknn (gate NDCG@10 on this data: popularity 0.170 < itemknn 0.184 < EASE + trend 0.236).
    const race = (families: string[]) => {
      const value = JSON.parse(recModelYaml({ families, minRelativeImprovement: 0, schedule: '0 3 * * *' }));
      value.metadata.name = 'race';
      delete value.spec.schedule;
      value.spec.promotion = { minRelativeImprovement: 0, maxSecondaryRegression: 1, constraints: [] };
      value.spec.report = { enabled: false };
      value.spec.frontend = { enabled: false };
      return JSON.stringify(value);
    };
    const raceModel = () => get(`/apis/recsys.dev/v1alpha1/namespaces/${namespace}/recmodels/race`);
    // The operator pauses between a decision and its compare-and-set while this file exists.
    const pause = path.join(work, 'pause-apply');
    await operator?.stop();
    operator = startOperator(['RECSYS_PAUSE_AT=operator:apply', `RECSYS_PAUSE_FILE=${pause}`]);
    expect((await server.kubectl(['apply', '-f', '-'], { input: race(['popularity']) })).code).toBe(0);
    const appeared = (name: string) => waitFor(async () => expect(await job(name), `Job ${name}`).toBeDefined());
    const first = await waitFor(async () => {
      const training = (await raceModel()).status?.training;
      expect(training?.runName).toBeDefined();
      return training.runName as string;
    });
    await complete(first);
    await appeared(gateJobName(first, null));
    await complete(gateJobName(first, null));
    const v1 = await waitFor(async () => {
      const production = (await raceModel()).status?.productionVersion;
      expect(production).toBeDefined();
      return production as string;
    });

    // B: the operator's run; its gate decides "promote B over v1", and the operator stops right before applying it.
    writeFileSync(pause, '');
    expect((await server.kubectl(['apply', '-f', '-'], { input: race(['itemknn']) })).code).toBe(0);
    const runB = await waitFor(async () => {
      const training = (await raceModel()).status.training;
      expect(training?.trigger).toBe('spec');
      return training.runName as string;
    });
    const b = /version=(\S+)/.exec(await complete(runB))?.[1] as string;
    await appeared(gateJobName(runB, v1));
    expect(await complete(gateJobName(runB, v1))).toBe('verdict=promote\n');
    await waitFor(async () => expect(existsSync(`${pause}.reached`)).toBe(true));

    // A: another process trains EASE + trend on the same data and promotes it (its own compare-and-set against v1).
    const store = path.join(volume, 'store');
    const trainA = execFileSync(
      process.execPath,
      [
        cli,
        'retrain',
        '--candidate-only',
        '--json',
        '--source',
        path.join(volume, 'data/synth'),
        '--store',
        store,
      ].concat(['--work-dir', path.join(volume, 'work'), '--model', 'race', '--models', 'ease_trend', '--budget', '2']),
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const a = JSON.parse(trainA).version as string;
    const policy = JSON.stringify({ minRelativeImprovement: 0, maxSecondaryRegression: 1, constraints: [] });
    const promoteA = JSON.parse(
      execFileSync(
        process.execPath,
        [cli, 'promote', '--store', store, '--model', 'race', '--version', a].concat([
          '--policy-json',
          policy,
          '--json',
        ]),
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      ),
    );
    expect(promoteA).toMatchObject({ verdict: 'promote', production_version: v1, applied: true });

    // B's decision was taken against v1: refused, and B is gated again, now against A.
    rmSync(pause);
    await appeared(gateJobName(runB, a));
    expect(await complete(gateJobName(runB, a))).toBe('verdict=retain\n');
    const last = await waitFor(async () => {
      const status = (await raceModel()).status;
      expect(status.history.at(-1)?.runName).toBe(runB);
      return status;
    });
    expect(last.history.at(-1)).toMatchObject({ version: b, verdict: 'retain', comparedWith: a });
    expect(last.productionVersion).toBe(a);
    expect(readFileSync(operator.logFile, 'utf8')).toMatch(
      new RegExp(`Production moved to ${a} after the gate scored ${b} against ${v1}`),
    );
    const stages = execFileSync(process.execPath, [cli, 'models', 'list', '--store', store, '--json'], {
      encoding: 'utf8',
    });
    const { versions } = JSON.parse(stages) as { versions: { version: string; stage: string }[] };
    expect(versions.find((v) => v.version === b)?.stage).toBe('Archived');
    expect(versions.find((v) => v.version === a)?.stage).toBe('Production');
    const deployment = await get(`/apis/apps/v1/namespaces/${namespace}/deployments/${servingName('race')}`);
    expect(deployment.spec.template.spec.containers[0].args).toContain(`--version=${a}`);
  });
});
