import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { startTestApiServer, type TestApiServer } from '../testing/apiserver.ts';
import { kubeBinaries } from '../testing/kube-binaries.ts';

const binaries = kubeBinaries();
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const chart = path.join(repoRoot, 'charts/recsys');
const everything = [
  '--set=mlflow.enabled=true',
  '--set=recModel.enabled=true',
  '--set=monitoring.serviceMonitor.enabled=true',
  '--set=monitoring.prometheusRule.enabled=true',
  '--set=eventStream.enabled=true',
];

// The Prometheus Operator's kinds, as schemaless stand-ins: the test checks our objects reach admission, not its schema.
const monitoringCrds = ['servicemonitors:ServiceMonitor', 'prometheusrules:PrometheusRule']
  .map((pair) => {
    const [plural, kind] = pair.split(':');
    return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.monitoring.coreos.com }
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { plural: ${plural}, kind: ${kind} }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }`;
  })
  .join('\n---\n');

describe.skipIf(!binaries)('Helm chart', () => {
  let server: TestApiServer;
  const helm = (args: string[]) => spawnSync(binaries?.helm as string, args, { encoding: 'utf8' });

  beforeAll(async () => {
    server = await startTestApiServer({ binaries });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes helm lint, with every optional part on and off', () => {
    for (const args of [[], everything]) {
      const lint = helm(['lint', '--strict', chart, ...args]);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      expect(lint.stdout).toContain('0 chart(s) failed');
    }
  });

  it('renders what the issue lists: operator, least-privilege RBAC, CRD, PVC, MLflow, ServiceMonitor, PrometheusRule, dashboards', () => {
    const rendered = execFileSync(
      binaries?.helm as string,
      ['template', 'rs', chart, '-n', 'recsys', '--include-crds', ...everything],
      {
        encoding: 'utf8',
      },
    );
    const objects = parseAllDocuments(rendered)
      .map((d) => d.toJS())
      .filter(Boolean);
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of [
      'CustomResourceDefinition/recmodels.recsys.dev',
      'ServiceAccount/rs-operator',
      'Role/rs-operator',
      'RoleBinding/rs-operator',
      'Deployment/rs-operator',
      'PersistentVolumeClaim/rs-artifacts',
      'Deployment/rs-mlflow',
      'ServiceMonitor/rs-serving',
      'PrometheusRule/rs-alerts',
      'ConfigMap/rs-dashboard-recsys-serving',
      'RecModel/movies',
    ]) {
      expect(kinds).toContain(expected);
    }
    const role = objects.find((o) => o.kind === 'Role');
    // Namespaced only, no wildcards, no secrets.
    for (const rule of role.rules) {
      expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
    }
    expect(objects.some((o) => o.kind === 'ClusterRole')).toBe(false);
    const rules = objects.find((o) => o.kind === 'PrometheusRule');
    expect(rules.spec.groups.length).toBeGreaterThan(0);
    const dashboard = objects.find((o) => o.kind === 'ConfigMap');
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      for (const container of deployment.spec.template.spec.containers) {
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
      }
    }
  });

  it('renders the trust boundaries: who reaches serving and MLflow, no stray tokens, limits everywhere, a keys Secret', () => {
    const rendered = execFileSync(binaries?.helm as string, ['template', 'rs', chart, '-n', 'recsys', ...everything], {
      encoding: 'utf8',
    });
    const objects = parseAllDocuments(rendered)
      .map((d) => d.toJS())
      .filter(Boolean);
    const policy = (name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name);
    const serving = policy('rs-serving');
    expect(serving.spec.podSelector.matchLabels['recsys.dev/role']).toBe('serving');
    expect(serving.spec.ingress.map((rule: { from: unknown[] }) => rule.from)).toEqual([
      [
        {
          podSelector: {
            matchLabels: { 'app.kubernetes.io/managed-by': 'recsys-operator', 'recsys.dev/role': 'frontend' },
          },
        },
      ],
      [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
    ]);
    const mlflow = policy('rs-mlflow');
    const mlflowFrom = JSON.stringify(mlflow.spec.ingress);
    expect(mlflowFrom).toContain('"values":["train","gate","report"]');
    expect(mlflowFrom).toContain('"app.kubernetes.io/component":"operator"');
    expect(mlflowFrom).not.toContain('serving');
    expect(policy('rs-jobs').spec.ingress).toBeUndefined();
    const operator = policy('rs-operator');
    expect(operator.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(operator.spec.ingress).toBeUndefined();
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      const pod = deployment.spec.template.spec;
      // Only the operator talks to the API server.
      if (deployment.metadata.name !== 'rs-operator') expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of pod.containers) {
        expect(container.resources?.requests?.memory, container.name).toBeDefined();
        expect(container.resources?.limits?.memory, container.name).toBeDefined();
      }
    }
    const keys = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'rs-keys');
    const siteKey = Buffer.from(keys.data['site-api-key'], 'base64').toString();
    expect(siteKey).toHaveLength(43);
    expect(Buffer.from(keys.data['api-keys'], 'base64').toString()).toBe(`${siteKey}\n`);
    const operatorArgs = objects.find((o) => o.metadata.name === 'rs-operator' && o.kind === 'Deployment').spec.template
      .spec.containers[0].args;
    expect(operatorArgs).toContain('--keys-secret=rs-keys');
  });

  it('renders the event stream: PostgreSQL from the project image, its PVC and Secret, reachable from serving and training only', () => {
    const render = (...args: string[]) =>
      parseAllDocuments(
        execFileSync(binaries?.helm as string, ['template', 'rs', chart, '-n', 'recsys', ...args], {
          encoding: 'utf8',
        }),
      )
        .map((d) => d.toJS())
        .filter(Boolean);
    const objects = render('--set=eventStream.enabled=true');
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    const engine = find('StatefulSet', 'rs-events');
    const pod = engine.spec.template.spec;
    expect(pod.containers[0].image).toBe('ghcr.io/recsys-dev/events:0.1.0');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0].resources.limits.memory).toBeDefined();
    expect(pod.containers[0].env).toContainEqual({
      name: 'PGPASSWORD',
      valueFrom: { secretKeyRef: { name: 'rs-event-stream', key: 'password' } },
    });
    expect(engine.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    expect(Buffer.from(find('Secret', 'rs-event-stream').data.password, 'base64').toString()).toHaveLength(32);
    expect(find('Service', 'rs-events').spec.ports[0].port).toBe(5432);
    const policy = find('NetworkPolicy', 'rs-events');
    expect(policy.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('events');
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            podSelector: {
              matchExpressions: [
                { key: 'app.kubernetes.io/managed-by', operator: 'In', values: ['recsys-operator'] },
                { key: 'recsys.dev/role', operator: 'In', values: ['serving', 'train', 'retrain-schedule'] },
              ],
            },
          },
        ],
        ports: [{ port: 'postgres' }],
      },
    ]);
    const operatorArgs = (objs: typeof objects): string[] =>
      objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rs-operator').spec.template.spec.containers[0]
        .args;
    expect(operatorArgs(objects)).toEqual(
      expect.arrayContaining([
        '--event-stream-url=postgres://recsys@rs-events:5432/recsys',
        '--event-stream-secret=rs-event-stream',
      ]),
    );
    // Someone else's PostgreSQL: the chart runs none and tells the operator where it is and which Secret holds the password.
    const external = render(
      '--set=eventStream.external.url=postgres://app@db.example:5432/events',
      '--set=eventStream.existingSecret=db-pass',
    );
    expect(external.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Secret').map((o) => o.metadata.name)).toEqual(
      ['rs-keys'],
    );
    expect(operatorArgs(external)).toEqual(
      expect.arrayContaining([
        '--event-stream-url=postgres://app@db.example:5432/events',
        '--event-stream-secret=db-pass',
      ]),
    );
    // None asked for: no engine, no flags.
    expect(operatorArgs(render()).join(' ')).not.toContain('--event-stream');
    // An external URL without the Secret that holds its password: the render fails saying what to set, rather than
    // pointing pods at a Secret no one creates.
    const missing = helm(['template', 'rs', chart, '--set=eventStream.external.url=postgres://app@db.example:5432/e']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/eventStream\.external\.url needs eventStream\.existingSecret/);
  });

  it('helm upgrade keeps what a hand-edited keys Secret holds and makes only the keys it lacks', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'recsys-helm-'));
    const env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
    };
    const release = (args: string[]) =>
      spawnSync(binaries?.helm as string, [...args, `--kubeconfig=${server.kubeconfig}`, '--namespace=upgrade'], {
        encoding: 'utf8',
        env,
      });
    const secretData = async (name = 'rs-keys') => {
      const got = await server.kubectl(['--namespace=upgrade', 'get', 'secret', name, '-o', 'json']);
      expect(got.code, got.stderr).toBe(0);
      const data = z.object({ data: z.record(z.string(), z.string()) }).parse(JSON.parse(got.stdout)).data;
      return Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
      );
    };
    try {
      const installed = release(['install', 'rs', chart, '--create-namespace', '--set=eventStream.enabled=true']);
      expect(installed.status, installed.stderr).toBe(0);
      const made = await secretData();
      expect(made['api-keys']).toBe(`${made['site-api-key']}\n`);
      // By hand: a second write key added (a rotation under way) and the site's key deleted.
      const rotated = `${made['api-keys']}hand-added-key-0123456789\n`;
      const edited = await server.kubectl([
        '--namespace=upgrade',
        'patch',
        'secret',
        'rs-keys',
        '--type=json',
        `--patch=${JSON.stringify([
          { op: 'remove', path: '/data/site-api-key' },
          { op: 'replace', path: '/data/api-keys', value: Buffer.from(rotated).toString('base64') },
        ])}`,
      ]);
      expect(edited.code, edited.stderr).toBe(0);
      const stream = await secretData('rs-event-stream');
      const emptied = await server.kubectl([
        '--namespace=upgrade',
        'patch',
        'secret',
        'rs-event-stream',
        '--type=json',
        `--patch=${JSON.stringify([{ op: 'remove', path: '/data/password' }])}`,
      ]);
      expect(emptied.code, emptied.stderr).toBe(0);

      const upgraded = release(['upgrade', 'rs', chart, '--reuse-values']);
      expect(upgraded.status, upgraded.stderr).toBe(0);
      const kept = await secretData();
      expect(kept['session-secret']).toBe(made['session-secret']);
      expect(kept['site-api-key']).toHaveLength(43);
      expect(kept['site-api-key']).not.toBe(made['site-api-key']);
      // Every key that could write still can, and so can the site's new one.
      expect(kept['api-keys']).toBe(`${rotated}${kept['site-api-key']}\n`);
      const streamKept = await secretData('rs-event-stream');
      expect(streamKept.password).toHaveLength(32);
      expect(streamKept.password).not.toBe(stream.password);

      const again = release(['upgrade', 'rs', chart, '--reuse-values']);
      expect(again.status, again.stderr).toBe(0);
      expect(await secretData()).toEqual(kept);
      expect(await secretData('rs-event-stream')).toEqual(streamKept);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('helm template | kubectl apply --dry-run=server is accepted by the API server', async () => {
    const crds = await server.kubectl(['apply', '-f', '-'], { input: monitoringCrds });
    expect(crds.code, crds.stderr).toBe(0);
    const recmodelCrd = await server.kubectl(['apply', '-f', path.join(chart, 'crds/recmodel.yaml')]);
    expect(recmodelCrd.code, recmodelCrd.stderr).toBe(0);
    for (const name of [
      'servicemonitors.monitoring.coreos.com',
      'prometheusrules.monitoring.coreos.com',
      'recmodels.recsys.dev',
    ]) {
      const established = await server.kubectl(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=60s']);
      expect(established.code, established.stderr).toBe(0);
    }
    const ns = await server.kubectl(['create', 'namespace', 'recsys']);
    expect(ns.code, ns.stderr).toBe(0);
    const rendered = execFileSync(binaries?.helm as string, ['template', 'rs', chart, '-n', 'recsys', ...everything], {
      encoding: 'utf8',
    });
    const dryRun = await server.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.stdout).toMatch(/deployment.apps\/rs-operator created \(server dry run\)/);
    expect(dryRun.stdout).toMatch(/recmodel.recsys.dev\/movies created \(server dry run\)/);
    expect(dryRun.stdout).toMatch(/prometheusrule.monitoring.coreos.com\/rs-alerts created \(server dry run\)/);
    expect(dryRun.stdout).toMatch(/statefulset.apps\/rs-events created \(server dry run\)/);
  });
});
