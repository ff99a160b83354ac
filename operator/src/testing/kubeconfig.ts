import { writeFileSync } from 'node:fs';

/** Writes a kubeconfig (JSON, which kubectl and client libraries read as YAML) for one token user. */
export function writeKubeconfig(file: string, server: string, caPem: string, user: string, token: string): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'recsys-test', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'recsys-test', user, namespace: 'default' } }],
    'current-context': user,
  };
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}
