import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer, type TestApiServer } from './apiserver.ts';
import { kubeBinaries } from './kube-binaries.ts';

const binaries = kubeBinaries();
const namespace = 'smoke';

const crdAndNamespace = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.smoke.recsys.dev
spec:
  group: smoke.recsys.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [replicas]
              properties:
                replicas: { type: integer }
              x-kubernetes-validations:
                - rule: self.replicas <= 10
                  message: replicas must be at most 10
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${namespace}
`;

const readerRbac = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: reader, namespace: ${namespace} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: configmap-reader, namespace: ${namespace} }
rules:
  - apiGroups: ['']
    resources: [configmaps]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: reader-reads-configmaps, namespace: ${namespace} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-reader }
subjects:
  - { kind: ServiceAccount, name: reader, namespace: ${namespace} }
`;

function widget(name: string, replicas: number): string {
  return `{"apiVersion":"smoke.recsys.dev/v1alpha1","kind":"Widget","metadata":{"name":"${name}","namespace":"${namespace}"},"spec":{"replicas":${replicas}}}`;
}

describe.skipIf(!binaries)('test API server (kube-apiserver + etcd)', () => {
  let server: TestApiServer;

  beforeAll(async () => {
    server = await startTestApiServer({ auditLog: true, binaries });
    console.log(`kube-apiserver ${binaries?.kubeVersion} ready at ${server.url} in ${Math.round(server.startupMs)} ms`);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('accepts kubectl apply of a CRD and a namespace, and enforces the CRD schema and CEL rule', async () => {
    const applied = await server.kubectl(['apply', '-f', '-'], { input: crdAndNamespace });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const established = await server.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/widgets.smoke.recsys.dev',
      '--timeout=60s',
    ]);
    expect(established.code, established.stderr).toBe(0);

    const valid = await server.kubectl(['apply', '-f', '-'], { input: widget('small', 3) });
    expect(valid.code, valid.stderr).toBe(0);
    const listed = await server.kubectl([
      'get',
      'widgets',
      '-n',
      namespace,
      '-o',
      'jsonpath={.items[*].spec.replicas}',
    ]);
    expect(listed.stdout).toBe('3');

    const invalid = await server.kubectl(['apply', '-f', '-'], { input: widget('huge', 11) });
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('replicas must be at most 10');
  });

  it('authorizes a ServiceAccount token by its Role: an allowed read succeeds, anything else is a 403 in the audit log', async () => {
    const applied = await server.kubectl(['apply', '-f', '-'], { input: readerRbac });
    expect(applied.code, applied.stderr).toBe(0);
    const token = await server.tokenForServiceAccount(namespace, 'reader');
    const saUser = `system:serviceaccount:${namespace}:reader`;

    const allowed = await server.request('GET', `/api/v1/namespaces/${namespace}/configmaps`, { token });
    expect(allowed.status).toBe(200);
    const forbidden = await server.request('GET', `/api/v1/namespaces/${namespace}/secrets`, { token });
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body).reason).toBe('Forbidden');

    // kubectl as the ServiceAccount sees the same decisions.
    const saConfig = server.kubeconfigForToken('reader', token);
    const canList = await server.kubectl(['auth', 'can-i', 'list', 'configmaps', '-n', namespace], {
      kubeconfig: saConfig,
    });
    expect(canList.stdout.trim()).toBe('yes');
    const deniedDelete = await server.kubectl(['delete', 'configmap', 'anything', '-n', namespace], {
      kubeconfig: saConfig,
    });
    expect(deniedDelete.code).not.toBe(0);
    expect(deniedDelete.stderr).toContain('forbidden');

    await vi.waitFor(
      () => {
        const mine = server.auditEvents().filter((event) => event.user.username === saUser);
        const denied = mine.find(
          (event) => event.objectRef?.resource === 'secrets' && event.responseStatus?.code === 403,
        );
        expect(denied?.annotations?.['authorization.k8s.io/decision']).toBe('forbid');
        expect(denied?.verb).toBe('list');
        const granted = mine.find(
          (event) => event.objectRef?.resource === 'configmaps' && event.responseStatus?.code === 200,
        );
        expect(granted?.annotations?.['authorization.k8s.io/decision']).toBe('allow');
      },
      { timeout: 5_000, interval: 100 },
    );
  });

  it('stops etcd and the API server and removes their data', async () => {
    const { processIds, auditLogPath } = server;
    expect(processIds).toHaveLength(2);
    await server.stop();
    for (const pid of processIds) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect(existsSync(auditLogPath ?? '')).toBe(false);
    await expect(server.request('GET', '/readyz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
