import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { interactionsResponse, recommendResponse } from '@recsys/core/api/schemas';
import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import { RunResultSchema } from '@recsys/core/recmodel/run-result';
import { RecModelSchema } from '@recsys/core/recmodel/types';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { MANAGED_BY_LABEL, ROLE_LABEL, servingName, VERSION_ANNOTATION } from '@recsys/operator/kube/names';
import {
  dashboardExpressions,
  ruleExpressions,
  substituteGrafanaVariables,
} from '@recsys/serving/live-metrics/expressions';
import { type PrometheusProcess, startPrometheusWith } from '@recsys/serving/live-metrics/prometheus-process';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  fetchJson,
  findOnVolumes,
  helmBinary,
  kubeconfig,
  kubectl,
  kubectlBinary,
  kubectlJson,
  NAMESPACE,
  run,
  waitFor,
} from './cluster.ts';
import { loopRequests } from './load.ts';
import { chartServiceMonitor, discoverTargets } from './service-monitor.ts';

// Day 2 on the cluster `make deploy` left: retrains through the CronJob, rolls under load, the report, Prometheus
// on the node, failover, memory, and helm uninstall. Each step leaves the cluster as the next expects it.
const MODEL = 'movies';
const RELEASE = 'recsys';
const OPERATOR = `${RELEASE}-operator`;
const minutes = (n: number) => n * 60_000;
const RULES_FILE = path.join(repoRoot, 'monitoring', 'recsys-alerts.rules.yml');
/** The families of the RecModel make deploy applies. */
const ALL_FAMILIES = parseRecModelOrThrow(readFileSync(path.join(repoRoot, 'examples/recmodel.yaml'), 'utf8')).spec
  .models.families;

const Metadata = z.object({
  name: z.string(),
  uid: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  creationTimestamp: z.string().optional(),
});
const Deployment = z.object({
  metadata: Metadata,
  spec: z.object({ replicas: z.number() }),
  status: z.object({
    readyReplicas: z.number().optional(),
    updatedReplicas: z.number().optional(),
    replicas: z.number().optional(),
  }),
});
const PodList = z.object({
  items: z.array(
    z.object({
      metadata: Metadata,
      status: z.object({
        phase: z.string(),
        containerStatuses: z
          .array(
            z.object({
              restartCount: z.number(),
              lastState: z.object({ terminated: z.object({ reason: z.string() }).loose().optional() }).loose(),
            }),
          )
          .default([]),
      }),
    }),
  ),
});
const JobList = z.object({
  items: z.array(z.object({ metadata: Metadata, status: z.object({ succeeded: z.number().optional() }).loose() })),
});
const EventList = z.object({ items: z.array(z.object({ reason: z.string(), type: z.string(), message: z.string() })) });
const Secret = z.object({ data: z.record(z.string(), z.string()) });
const Service = z.object({ spec: z.object({ clusterIP: z.string(), ports: z.array(z.object({ port: z.number() })) }) });

const recModel = () => kubectlJson(RecModelSchema, ['-n', NAMESPACE, 'get', 'recmodel', MODEL]);
const servingUrl = async () => {
  const { spec } = await kubectlJson(Service, ['-n', NAMESPACE, 'get', 'service', servingName(MODEL)]);
  return `http://${spec.clusterIP}:${spec.ports[0]?.port}`;
};
const servingDeployment = () => kubectlJson(Deployment, ['-n', NAMESPACE, 'get', 'deployment', servingName(MODEL)]);
const servingPods = () =>
  kubectlJson(PodList, ['-n', NAMESPACE, 'get', 'pods', '-l', `${MANAGED_BY_LABEL},${ROLE_LABEL}=serving`]);
const patchSpec = (spec: unknown) =>
  kubectl(['-n', NAMESPACE, 'patch', 'recmodel', MODEL, '--type', 'merge', '-p', JSON.stringify({ spec })]);

/** The history entry of a run once the gate decided it. */
async function decided(runName: string, timeoutMs = minutes(5)) {
  return waitFor(`run ${runName} decided`, timeoutMs, async () => {
    const { status } = await recModel();
    if (status?.lastFailure?.runName === runName) {
      throw new Error(`run ${runName} failed: ${status.lastFailure.reason}: ${status.lastFailure.message}`);
    }
    return status?.history.find((entry) => entry.runName === runName);
  });
}

/** The newest run started after `since` by a spec change, once decided. */
async function specRunDecided(since: string) {
  return waitFor('the spec change’s run decided', minutes(5), async () => {
    const { status } = await recModel();
    return status?.history.find((entry) => entry.trigger === 'spec' && entry.decidedAt > since);
  });
}

/** The clients of a request loop get answers from `version`: the Service reached the new pods. */
async function answersFrom(load: ReturnType<typeof loopRequests>, version: string): Promise<void> {
  await waitFor(
    `answers from ${version}`,
    minutes(1),
    async () => (load.seen().versions.includes(version) ? true : undefined),
    250,
  );
}

/** Every serving pod runs `version` and is Ready, and no pod of another version is left. */
async function servingRolledTo(version: string, timeoutMs = minutes(5)): Promise<void> {
  await waitFor(`serving rolled to ${version}`, timeoutMs, async () => {
    const deployment = await servingDeployment();
    const { replicas } = deployment.spec;
    const done =
      deployment.metadata.annotations?.[VERSION_ANNOTATION] === version &&
      deployment.status.updatedReplicas === replicas &&
      deployment.status.readyReplicas === replicas &&
      deployment.status.replicas === replicas &&
      // Terminating pods too: one still draining answers its open keep-alive connections with the old version.
      (await servingPods()).items.length === replicas;
    return done ? true : undefined;
  });
}

/** The write key the chart made (the site's): serving accepts POST /interactions with it. */
async function writeKey(): Promise<string> {
  const secrets = z
    .object({ items: z.array(Secret.extend({ metadata: Metadata })) })
    .parse(JSON.parse(await kubectl(['-n', NAMESPACE, 'get', 'secrets', '-o', 'json'])));
  const keys = secrets.items.find((secret) => secret.data['site-api-key']);
  if (!keys) throw new Error('no Secret with a site-api-key in the namespace');
  return Buffer.from(keys.data['site-api-key'] ?? '', 'base64').toString('utf8');
}

/** New users who each like `perUser` MovieLens movies now, posted to serving through its Service. */
async function postInteractions(firstUser: number, users: number, perUser: number): Promise<number> {
  const url = `${await servingUrl()}/interactions`;
  const key = await writeKey();
  const now = Math.floor(Date.now() / 1000);
  const events = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < perUser; i++) {
      events.push({ user_id: firstUser + u, movie_id: 1 + ((u * 37 + i * 11) % 400), rating: 5, timestamp: now });
    }
  }
  let accepted = 0;
  for (let start = 0; start < events.length; start += 500) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(events.slice(start, start + 500)),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST /interactions: HTTP ${response.status} ${text}`);
    accepted += interactionsResponse.parse(JSON.parse(text)).accepted;
  }
  return accepted;
}

/** Applies a one-off Job running `recsys <args>` in the trainer image with the artifact volume; waits for success. */
async function runToolJob(name: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 },
          containers: [
            {
              name: 'recsys',
              image: 'ghcr.io/recsys-dev/trainer:0.1.0',
              args,
              env: Object.entries(env).map(([key, value]) => ({ name: key, value })),
              volumeMounts: [{ name: 'artifacts', mountPath: '/artifacts' }],
            },
          ],
          volumes: [{ name: 'artifacts', persistentVolumeClaim: { claimName: `${RELEASE}-artifacts` } }],
        },
      },
    },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(job));
  await kubectl(['-n', NAMESPACE, 'wait', '--for=condition=complete', `job/${name}`, '--timeout=300s']);
}

/** Asks the API to evict a pod (what `kubectl drain` does for each), which a PodDisruptionBudget may refuse. */
const evict = (pod: string) =>
  run(
    kubectlBinary(),
    ['--kubeconfig', kubeconfig, 'create', '--raw', `/api/v1/namespaces/${NAMESPACE}/pods/${pod}/eviction`, '-f', '-'],
    {
      input: JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: pod, namespace: NAMESPACE },
      }),
    },
  );

/** A candidate trained outside the RecModel's runs, as `recsys retrain --candidate-only` in a Job: its version. */
async function trainByHand(runName: string, family: string): Promise<string> {
  await runToolJob(
    runName,
    [
      'retrain',
      '--candidate-only',
      '--source=ml-100k',
      '--store=/artifacts/store',
      '--work-dir=/artifacts/work',
    ].concat(['--event-logs=/artifacts/logs', `--model=${MODEL}`, `--models=${family}`, `--run=${runName}`]),
    { RECSYS_MOVIELENS_BASE_URL: `http://movielens.${NAMESPACE}.svc` },
  );
  const [trained] = findOnVolumes('train.json').filter((file) => file.includes(`runs${path.sep}${runName}`));
  const result = RunResultSchema.parse(JSON.parse(readFileSync(trained ?? '', 'utf8')));
  if (result.outcome !== 'trained') throw new Error(`the candidate trained by hand failed: ${JSON.stringify(result)}`);
  return result.candidate.version;
}

/** `recsys promote` in a Job: the gate under `policy` and, when it passes, the compare-and-set on Production. */
async function promoteByHand(jobName: string, version: string, policy: Record<string, unknown>): Promise<void> {
  await runToolJob(jobName, [
    'promote',
    '--store=/artifacts/store',
    `--model=${MODEL}`,
    `--version=${version}`,
    `--policy-json=${JSON.stringify({ maxSecondaryRegression: 1, secondaryMetrics: [], constraints: [], ...policy })}`,
  ]);
}

/** The host directory of the hostPath volume the chart's artifact claim is bound to (what pods see as /artifacts). */
async function artifactVolumeDir(): Promise<string> {
  const claim = await kubectlJson(z.object({ spec: z.object({ volumeName: z.string() }) }), [
    '-n',
    NAMESPACE,
    'get',
    'pvc',
    `${RELEASE}-artifacts`,
  ]);
  const volume = await kubectlJson(z.object({ spec: z.object({ hostPath: z.object({ path: z.string() }) }) }), [
    'get',
    'pv',
    claim.spec.volumeName,
  ]);
  return volume.spec.hostPath.path;
}

/** Sets (or, with null values, removes) environment variables on the operator and waits for its new pod. */
async function setOperatorEnv(env: Record<string, string | null>): Promise<void> {
  const settings = Object.entries(env).map(([key, value]) => (value === null ? `${key}-` : `${key}=${value}`));
  await kubectl(['-n', NAMESPACE, 'set', 'env', `deployment/${OPERATOR}`, ...settings]);
  await kubectl(['-n', NAMESPACE, 'rollout', 'status', `deployment/${OPERATOR}`, '--timeout=180s']);
}

const expressionValue = z.object({ result: z.array(z.unknown()) });

export function describeDayTwo(): void {
  describe('day 2 on real pods', () => {
    const work = tempDir('recsys-e2e-prometheus-');
    let prometheus: PrometheusProcess | undefined;
    let discovery: { stop: () => void } | undefined;
    let firstProduction = '';
    let worse = '';

    afterAll(async () => {
      discovery?.stop();
      await prometheus?.stop();
      work.cleanup();
    });

    it('Prometheus on the node finds the serving pods as the chart’s ServiceMonitor selects them, and scrapes them', async () => {
      // Debian's Prometheus has no Kubernetes discovery built in: the ServiceMonitor's selection (Services by label,
      // their ready endpoints on the named port) is read from the API into a file Prometheus watches.
      const monitor = await chartServiceMonitor();
      const targetsFile = path.join(work.dir, 'serving-targets.json');
      writeFileSync(targetsFile, '[]');
      discovery = discoverTargets(monitor, targetsFile);
      prometheus = await startPrometheusWith(
        work.dir,
        [
          `metrics_path: ${monitor.path}`,
          `file_sd_configs: [{ files: [${JSON.stringify(targetsFile)}], refresh_interval: 2s }]`,
        ],
        [RULES_FILE],
      );
      const pods = (await servingPods()).items.map((pod) => pod.metadata.name).sort();
      expect(pods).toHaveLength(2);
      const targets = await waitFor('both serving pods scraped', minutes(1), async () => {
        const active = z
          .object({
            activeTargets: z.array(z.object({ labels: z.record(z.string(), z.string()), health: z.string() })),
          })
          .parse(await prometheus!.api('targets'));
        const up = active.activeTargets.filter((t) => t.health === 'up').map((t) => t.labels.pod ?? '');
        return up.length === pods.length ? up.sort() : undefined;
      });
      expect(targets).toEqual(pods);
      firstProduction = (await recModel()).status?.productionVersion ?? '';
      expect(firstProduction).not.toBe('');
    });

    it('the daily report CronJob’s pod writes the day’s report onto the volume', async () => {
      await kubectl(['-n', NAMESPACE, 'create', 'job', '--from=cronjob/movies-report', 'e2e-report']);
      await kubectl(['-n', NAMESPACE, 'wait', '--for=condition=complete', 'job/e2e-report', '--timeout=180s']);
      const day = new Date().toISOString().slice(0, 10);
      const reports = findOnVolumes(`${day}.md`).filter((file) => file.includes(`reports${path.sep}${MODEL}`));
      expect(reports).toHaveLength(1);
      // The requests this test tier sent through the Service so far are in it.
      expect(readFileSync(reports[0] ?? '', 'utf8')).toMatch(/recommend/);
    });

    it('a retrain Job from the CronJob trains on the data plus posted interactions; a worse candidate is retained with a Warning naming the failing rule', async () => {
      expect(await postInteractions(910_001, 60, 10)).toBe(600);
      // A spec that can only train a worse family (item-item cosine: about half EASE + trend's NDCG@10).
      const since = new Date().toISOString();
      await patchSpec({ models: { families: [{ name: 'itemknn' }] } });
      expect((await specRunDecided(since)).verdict).toBe('retain');

      await kubectl(['-n', NAMESPACE, 'create', 'job', '--from=cronjob/movies-retrain', 'e2e-retrain-worse']);
      const entry = await decided('e2e-retrain-worse');
      expect(entry.verdict).toBe('retain');
      expect(entry.failedRules.join(' ')).toMatch(/ndcg@10/);
      expect((await recModel()).status?.productionVersion).toBe(firstProduction);
      const trainerLog = await kubectl(['-n', NAMESPACE, 'logs', 'job/e2e-retrain-worse']);
      // Every interaction posted so far, the 600 above included (earlier tests post some too).
      expect(Number(/ingested (\d+) posted interaction/.exec(trainerLog)?.[1])).toBeGreaterThanOrEqual(600);
      const events = await kubectlJson(EventList, [
        '-n',
        NAMESPACE,
        'get',
        'events',
        '--field-selector',
        `involvedObject.kind=RecModel,involvedObject.name=${MODEL},reason=Retained`,
      ]);
      expect(events.items.some((e) => e.type === 'Warning' && /ndcg@10/.test(e.message))).toBe(true);
    });

    it('a Production moved by hand rolls serving under load: no failed request, and the answers switch version', async () => {
      // Every family again, under a rule on NDCG@10 alone and a strict one (+50%): the run this starts, EASE + trend
      // against EASE + trend, is retained, so Production stays where it is.
      const before = (await recModel()).status?.productionVersion ?? '';
      const since = new Date().toISOString();
      await patchSpec({
        models: { families: ALL_FAMILIES },
        promotion: { minRelativeImprovement: 0.5, secondaryMetrics: [] },
      });
      expect((await specRunDecided(since)).verdict).toBe('retain');
      expect((await recModel()).status?.productionVersion).toBe(before);
      // An item-item model trained and promoted by hand, outside the RecModel's runs (a gated candidate is decided
      // once and for all, so it cannot be this one), with a policy that lets anything through.
      worse = await trainByHand('e2e-by-hand', 'itemknn');
      await servingRolledTo(before);
      const load = loopRequests(`${await servingUrl()}/recommend`, { user_id: 1, k: 10 });
      await promoteByHand('e2e-promote-by-hand', worse, { minRelativeImprovement: -1 });
      await waitFor('the operator follows the new Production', minutes(2), async () =>
        (await recModel()).status?.productionVersion === worse ? true : undefined,
      );
      await servingRolledTo(worse);
      await answersFrom(load, worse);
      const seen = await load.stop();
      expect(seen.failures).toEqual([]);
      expect(seen.versions).toEqual([before, worse]);
      expect(seen.answered).toBeGreaterThan(20);
    });

    it('a better candidate from the CronJob is promoted and serving rolls under load with no failed request', async () => {
      // Interactions after the worse Production's data, so the gate has a window after both models' fit cutoffs;
      // EASE + trend against item-item cosine clears even the +50% rule.
      expect(await postInteractions(920_001, 100, 10)).toBe(1000);
      await servingRolledTo(worse);
      const load = loopRequests(`${await servingUrl()}/recommend`, { user_id: 1, k: 10 });
      await kubectl(['-n', NAMESPACE, 'create', 'job', '--from=cronjob/movies-retrain', 'e2e-retrain-better']);
      const entry = await decided('e2e-retrain-better');
      expect(entry.verdict, `${entry.summary}; failed: ${entry.failedRules.join(', ')}`).toBe('promote');
      expect(entry.comparedWith).toBe(worse);
      await servingRolledTo(entry.version);
      await answersFrom(load, entry.version);
      const seen = await load.stop();
      expect(seen.failures).toEqual([]);
      expect(seen.versions).toEqual([worse, entry.version]);
      expect((await recModel()).status?.productionVersion).toBe(entry.version);
    });

    it('every dashboard and alert expression returns a result from the cluster’s Prometheus', async () => {
      // Traffic of every kind each panel shows, through the Service: known and unknown users, seeds, the popular
      // list, a bad request (4xx) and posted interactions.
      const url = await servingUrl();
      for (let i = 0; i < 20; i++) {
        await fetchJson(recommendResponse, `${url}/recommend`, { method: 'POST', body: { user_id: 1 + i, k: 10 } });
        await fetchJson(recommendResponse, `${url}/recommend`, {
          method: 'POST',
          body: { user_id: 990_000 + i, k: 10 },
        });
        await fetch(`${url}/similar`, {
          method: 'POST',
          body: JSON.stringify({ movie_ids: [1 + i], k: 5 }),
          headers: { 'content-type': 'application/json' },
        });
        await fetch(`${url}/popular?limit=5`);
        await fetch(`${url}/recommend`, {
          method: 'POST',
          body: '{"user_id": 0}',
          headers: { 'content-type': 'application/json' },
        });
      }
      await postInteractions(930_001, 10, 2);
      const alerts = ruleExpressions(RULES_FILE);
      const expressions = [
        ...dashboardExpressions(path.join(repoRoot, 'dashboards')),
        // An alert's measured quantity: its expression before the threshold it is compared with.
        ...alerts.map(({ where, expr }) => ({ where, expr: expr.replace(/\s*(>|<|>=|<=|==|!=)\s*[0-9.]+\s*$/, '') })),
      ];
      expect(expressions.length).toBeGreaterThan(12);
      const empty = await waitFor('every expression answered', minutes(2), async () => {
        const missing: string[] = [];
        for (const { where, expr } of expressions) {
          const value = expressionValue.parse(
            await prometheus!.api('query', { query: substituteGrafanaVariables(expr) }),
          );
          if (value.result.length === 0) missing.push(`${where}: ${expr}`);
        }
        return missing.length === 0 ? missing : undefined;
      });
      expect(empty).toEqual([]);
      const rules = z
        .object({ groups: z.array(z.object({ rules: z.array(z.object({ name: z.string(), health: z.string() })) })) })
        .parse(await prometheus!.api('rules'));
      // Every rule of the file loaded and evaluated without error.
      expect(
        rules.groups.flatMap((g) => g.rules.map((r) => `${path.basename(RULES_FILE)}: ${r.name}: ${r.health}`)),
      ).toEqual(alerts.map(({ where }) => `${where}: ok`));
    });

    it('deleting the operator pod mid-training leaves exactly one trainer Job, and the run completes', async () => {
      const before = new Set((await trainJobs()).map((job) => job.metadata.name));
      await kubectl([
        '-n',
        NAMESPACE,
        'annotate',
        '--overwrite',
        'recmodel',
        MODEL,
        `recsys.dev/retrain=e2e-${Date.now()}`,
      ]);
      const started = await waitFor(
        'the retrain’s trainer pod running',
        minutes(2),
        async () => {
          const fresh = (await trainJobs()).filter((job) => !before.has(job.metadata.name));
          if (fresh.length === 0) return undefined;
          const pods = await kubectlJson(PodList, [
            '-n',
            NAMESPACE,
            'get',
            'pods',
            '-l',
            `job-name=${fresh[0]?.metadata.name}`,
          ]);
          return pods.items.some((pod) => pod.status.phase === 'Running') ? fresh[0]?.metadata.name : undefined;
        },
        250,
      );
      const operatorPods = await kubectlJson(PodList, [
        '-n',
        NAMESPACE,
        'get',
        'pods',
        '-l',
        'app.kubernetes.io/component=operator',
      ]);
      const old = operatorPods.items[0]?.metadata.name ?? '';
      await kubectl(['-n', NAMESPACE, 'delete', 'pod', old, '--wait=false']);

      const entry = await decided(started);
      expect(['promote', 'retain']).toContain(entry.verdict);
      const fresh = (await trainJobs()).filter((job) => !before.has(job.metadata.name));
      expect(fresh.map((job) => job.metadata.name)).toEqual([started]);
      expect(fresh[0]?.status.succeeded).toBe(1);
      const lease = z.object({ spec: z.object({ holderIdentity: z.string() }) });
      const holder = (await kubectlJson(lease, ['-n', NAMESPACE, 'get', 'lease', 'recsys-operator'])).spec
        .holderIdentity;
      expect(holder).not.toBe(old);
    });

    it('a PodDisruptionBudget lets evictions take one serving pod at a time, and requests keep succeeding', async () => {
      const production = (await recModel()).status?.productionVersion ?? '';
      await servingRolledTo(production);
      const budget = await kubectlJson(
        z.object({ spec: z.object({ maxUnavailable: z.number() }), status: z.object({ currentHealthy: z.number() }) }),
        ['-n', NAMESPACE, 'get', 'poddisruptionbudget', servingName(MODEL)],
      );
      expect(budget).toMatchObject({ spec: { maxUnavailable: 1 }, status: { currentHealthy: 2 } });
      const [first, second] = (await servingPods()).items.map((pod) => pod.metadata.name);
      const load = loopRequests(`${await servingUrl()}/recommend`, { user_id: 3, k: 10 });
      expect((await evict(first ?? '')).code).toBe(0);
      // The first eviction used the budget up: the second pod stays until the replacement is Ready.
      const refused = await evict(second ?? '');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/disruption budget/);
      // Once the replacement is Ready the budget allows one again (the disruption controller recounts).
      await waitFor('the budget allowing the second eviction', minutes(2), async () =>
        (await evict(second ?? '')).code === 0 ? true : undefined,
      );
      await servingRolledTo(production);
      const seen = await load.stop();
      expect(seen.failures).toEqual([]);
      expect(seen.answered).toBeGreaterThan(20);
    });

    it('deleting a serving pod: the Deployment replaces it and requests through the Service keep succeeding', async () => {
      const production = (await recModel()).status?.productionVersion ?? '';
      await servingRolledTo(production);
      const [victim] = (await servingPods()).items;
      const load = loopRequests(`${await servingUrl()}/recommend`, { user_id: 2, k: 10 });
      await kubectl(['-n', NAMESPACE, 'delete', 'pod', victim?.metadata.name ?? '']);
      await servingRolledTo(production);
      const seen = await load.stop();
      expect(seen.failures).toEqual([]);
      expect(seen.answered).toBeGreaterThan(20);
      const names = (await servingPods()).items.map((pod) => pod.metadata.name);
      expect(names).toHaveLength(2);
      expect(names).not.toContain(victim?.metadata.name);
    });

    it('serving stays under its memory limit through an event load and a restart (no OOMKilled)', async () => {
      // Fold-in state for 2,000 new users; then every serving pod restarted, reading that state back as it starts.
      expect(await postInteractions(940_001, 2000, 2)).toBe(4000);
      const limit = 1024 ** 3;
      const underLimit = async () => {
        for (const pod of (await servingPods()).items) {
          for (const container of pod.status.containerStatuses) {
            expect(container.lastState.terminated?.reason).not.toBe('OOMKilled');
            expect(container.restartCount).toBe(0);
          }
          const peak = peakMemoryBytes(pod.metadata.uid ?? '');
          console.log(
            `serving pod ${pod.metadata.name}: peak ${(peak / 2 ** 20).toFixed(0)} MiB of ${limit / 2 ** 20} MiB`,
          );
          expect(peak).toBeLessThan(limit);
        }
      };
      await underLimit();
      for (const pod of (await servingPods()).items) {
        await kubectl(['-n', NAMESPACE, 'delete', 'pod', pod.metadata.name]);
        await servingRolledTo((await recModel()).status?.productionVersion ?? '');
      }
      const url = await servingUrl();
      const folded = await fetchJson(recommendResponse, `${url}/recommend`, {
        method: 'POST',
        body: { user_id: 940_001, k: 5 },
      });
      expect(folded.source).toBe('fold_in');
      await underLimit();
    });

    it('two promotions race on real pods: the operator’s stale decision is refused and the worse candidate never becomes Production', async () => {
      // Production first moves down to an item-item model by hand; then EASE + trend (B, the operator's run) beats it,
      // and popularity (A, trained and promoted by hand) beats both on the gate's window, the validation split
      // (README's table: validation NDCG@10 item-item 0.105, EASE + trend 0.186, popularity 0.203).
      const floor = await trainByHand('e2e-race-floor', 'itemknn');
      await promoteByHand('e2e-race-promote-floor', floor, { minRelativeImprovement: -1 });
      // The operator stops between B's gate and its compare-and-set while the pause file exists (as in the envtest
      // race of operator.cluster.test.ts), so A's promotion lands exactly in between.
      const pause = 'e2e-pause-apply';
      await setOperatorEnv({ RECSYS_PAUSE_AT: 'operator:apply', RECSYS_PAUSE_FILE: `/artifacts/${pause}` });
      const volume = await artifactVolumeDir();
      writeFileSync(path.join(volume, pause), '');
      try {
        const bSince = new Date().toISOString();
        await patchSpec({
          models: { families: [{ name: 'ease_trend' }] },
          promotion: { minRelativeImprovement: 0, secondaryMetrics: [], constraints: [] },
        });
        await waitFor('the operator paused before applying B’s decision', minutes(5), async () =>
          existsSync(path.join(volume, `${pause}.reached`)) ? true : undefined,
        );
        // B's run: the trainer Job this spec change started (a run is named after its Job).
        const [b = ''] = (await trainJobs())
          .filter((job) => (job.metadata.creationTimestamp ?? '') >= bSince.slice(0, 19))
          .map((job) => job.metadata.name);
        expect(b).not.toBe('');
        const a = await trainByHand('e2e-race-a', 'popularity');
        await promoteByHand('e2e-race-promote-a', a, { minRelativeImprovement: 0 });

        rmSync(path.join(volume, pause));
        const regated = await decided(b);
        console.log(`race: ${regated.summary}`);
        expect(regated).toMatchObject({ verdict: 'retain', comparedWith: a });
        expect((await recModel()).status?.productionVersion).toBe(a);
        const log = await kubectl(['-n', NAMESPACE, 'logs', `deployment/${OPERATOR}`]);
        expect(log).toContain(
          `Production moved to ${a} after the gate scored ${regated.version} against ${floor}; gating it again`,
        );
      } finally {
        rmSync(path.join(volume, pause), { force: true });
        await setOperatorEnv({ RECSYS_PAUSE_AT: null, RECSYS_PAUSE_FILE: null });
      }
    });

    it('helm uninstall removes every object the chart made; the artifact claim stays, as its annotation says', async () => {
      const manifest = await run(helmBinary(), [
        '--kubeconfig',
        kubeconfig,
        '-n',
        NAMESPACE,
        'get',
        'manifest',
        RELEASE,
      ]);
      const objects = manifest.stdout
        .split(/^---$/m)
        .map((doc) => ChartObject.safeParse(parseYaml(doc)))
        .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
      expect(objects.length).toBeGreaterThan(5);
      const uninstall = await run(helmBinary(), [
        '--kubeconfig',
        kubeconfig,
        '-n',
        NAMESPACE,
        'uninstall',
        RELEASE,
        '--wait',
      ]);
      expect(uninstall.code, uninstall.stderr).toBe(0);
      const left: string[] = [];
      for (const object of objects) {
        const found = await run(kubectlBinary(), [
          '--kubeconfig',
          kubeconfig,
          '-n',
          NAMESPACE,
          'get',
          object.kind,
          object.metadata.name,
          '--ignore-not-found',
          '-o',
          'name',
        ]);
        if (found.stdout.trim()) left.push(`${object.kind}/${object.metadata.name}`);
      }
      const kept = objects
        .filter((o) => o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep')
        .map((o) => `${o.kind}/${o.metadata.name}`);
      expect(kept).toEqual([`PersistentVolumeClaim/${RELEASE}-artifacts`]);
      expect(left).toEqual(kept);
    });
  });
}

/** An object of a rendered chart manifest: what `helm uninstall` must remove (or keep, when annotated so). */
const ChartObject = z.object({
  kind: z.string(),
  metadata: z.object({ name: z.string(), annotations: z.record(z.string(), z.string()).optional() }),
});

const trainJobs = async () =>
  (await kubectlJson(JobList, ['-n', NAMESPACE, 'get', 'jobs', '-l', `${ROLE_LABEL}=train`])).items;

/** The highest memory a pod's containers used together, from its memory cgroup on the node. */
function peakMemoryBytes(uid: string): number {
  const root = '/sys/fs/cgroup/memory/kubepods';
  for (const qos of ['', 'burstable', 'besteffort']) {
    const file = path.join(root, qos, `pod${uid}`, 'memory.max_usage_in_bytes');
    if (existsSync(file)) return Number(readFileSync(file, 'utf8'));
  }
  throw new Error(`no memory cgroup for pod ${uid} under ${root}`);
}
