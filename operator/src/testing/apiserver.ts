import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@recsys/core/testing/ports';
import { type AuditEvent, readAuditEvents, writeAuditPolicy } from './audit.ts';
import { type KubeBinaries, kubeBinaries } from './kube-binaries.ts';
import { type KubeRequestOptions, type KubeResponse, kubeRequest } from './kube-request.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { type ManagedProcess, startProcess, waitUntil } from './managed-process.ts';

export interface TestApiServerOptions {
  /** Write an audit log of every client request at Metadata level (see audit.ts). */
  auditLog?: boolean;
  /** Defaults to the binaries scripts/kube-bins.sh built. */
  binaries?: KubeBinaries;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A real kube-apiserver + etcd on 127.0.0.1, with no kubelet or controllers: tests play those. */
export interface TestApiServer {
  url: string;
  /** A kubeconfig file for the admin user (group system:masters). */
  kubeconfig: string;
  adminToken: string;
  /** PEM bundle that verifies the API server's self-generated serving certificate. */
  caCert: string;
  /** Set when started with auditLog. */
  auditLogPath: string | undefined;
  binaries: KubeBinaries;
  /** etcd's and the API server's process ids, gone after stop(). */
  processIds: number[];
  /** Milliseconds from starting etcd to the API server's /readyz answering ok. */
  startupMs: number;
  /** One API request, as the admin unless options.token says otherwise. */
  request(method: string, apiPath: string, options?: KubeRequestOptions): Promise<KubeResponse>;
  /** A bound token for a ServiceAccount from the TokenRequest API, so a test can act as it under RBAC. */
  tokenForServiceAccount(namespace: string, name: string, expirationSeconds?: number): Promise<string>;
  /** Writes a kubeconfig for a token (e.g. a ServiceAccount's) and returns its path. */
  kubeconfigForToken(user: string, token: string): string;
  /** Runs kubectl against this server, as the admin unless options.kubeconfig says otherwise. */
  kubectl(args: string[], options?: { kubeconfig?: string; input?: string }): Promise<CommandResult>;
  /** The audit log's events so far; empty without auditLog. */
  auditEvents(): AuditEvent[];
  /** Stops the API server, then etcd, and removes the data directory. */
  stop(): Promise<void>;
}

const adminUser = 'recsys-admin';
const startTimeoutMs = 120_000;

/** A service-account signing key pair: the API server signs tokens with it and verifies them with it. */
function writeServiceAccountKeys(dir: string): { keyFile: string; publicKeyFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const keyFile = path.join(dir, 'sa.key');
  const publicKeyFile = path.join(dir, 'sa.pub');
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  writeFileSync(publicKeyFile, publicKey);
  return { keyFile, publicKeyFile };
}

async function startEtcd(binaries: KubeBinaries, dir: string): Promise<{ etcd: ManagedProcess; clientUrl: string }> {
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const etcd = startProcess(
    'etcd',
    binaries.etcd,
    [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      // A throwaway store: durability costs fsyncs the shared machine does not need to pay.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    path.join(dir, 'etcd.log'),
  );
  await waitUntil(
    'healthy',
    etcd,
    async () => {
      const response = await fetch(`${clientUrl}/health`);
      return response.ok && ((await response.json()) as { health?: string }).health === 'true';
    },
    startTimeoutMs,
  );
  return { etcd, clientUrl };
}

function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const binaries = options.binaries ?? kubeBinaries();
  if (!binaries) throw new Error('kube-apiserver/etcd/kubectl/helm not built: run scripts/kube-bins.sh first');
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'recsys-apiserver-'));
  const running: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const child of [...running].reverse()) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { etcd, clientUrl } = await startEtcd(binaries, dir);
    running.push(etcd);

    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = path.join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${adminToken},${adminUser},${adminUser},"system:masters"\n`, { mode: 0o600 });
    const { keyFile, publicKeyFile } = writeServiceAccountKeys(dir);
    const certDir = path.join(dir, 'certs');
    mkdirSync(certDir);
    const auditLogPath = options.auditLog ? path.join(dir, 'audit.log') : undefined;
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const apiserver = startProcess(
      'kube-apiserver',
      binaries.kubeApiserver,
      [
        `--etcd-servers=${clientUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // The 'kubernetes' Service's endpoints may not be loopback, and nothing here routes to them.
        '--endpoint-reconciler-type=none',
        `--secure-port=${port}`,
        `--cert-dir=${certDir}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        `--token-auth-file=${tokenFile}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${publicKeyFile}`,
        `--service-account-signing-key-file=${keyFile}`,
        // ServiceAccount admission waits for the token and serviceaccount controllers, which do not run here.
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        ...(auditLogPath
          ? [
              `--audit-policy-file=${writeAuditPolicy(path.join(dir, 'audit-policy.json'))}`,
              `--audit-log-path=${auditLogPath}`,
              '--audit-log-format=json',
              // Each event is on disk before the next request proceeds, so a test can read what it just caused.
              '--audit-log-mode=blocking',
            ]
          : []),
      ],
      path.join(dir, 'kube-apiserver.log'),
    );
    running.push(apiserver);

    const caFile = path.join(certDir, 'apiserver.crt');
    let caCert = '';
    await waitUntil(
      'ready (/readyz)',
      apiserver,
      async () => {
        if (!existsSync(caFile)) return false;
        caCert = readFileSync(caFile, 'utf8');
        const response = await kubeRequest(url, caCert, 'GET', '/readyz', { token: adminToken });
        return response.status === 200 && response.body.trim() === 'ok';
      },
      startTimeoutMs,
    );
    const startupMs = performance.now() - started;

    const kubeconfigForToken = (user: string, token: string) =>
      writeKubeconfig(path.join(dir, `${user.replace(/[^\w.-]/g, '_')}.kubeconfig`), url, caCert, user, token);
    const kubeconfig = kubeconfigForToken(adminUser, adminToken);
    const request = (method: string, apiPath: string, requestOptions: KubeRequestOptions = {}) =>
      kubeRequest(url, caCert, method, apiPath, { token: adminToken, ...requestOptions });
    const kubectlEnv = { ...process.env, KUBECACHEDIR: path.join(dir, 'kubectl-cache') };

    return {
      url,
      kubeconfig,
      adminToken,
      caCert,
      auditLogPath,
      binaries,
      startupMs,
      processIds: running.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
      request,
      kubeconfigForToken,
      async tokenForServiceAccount(namespace, name, expirationSeconds = 3600) {
        const apiPath = `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`;
        const response = await request('POST', apiPath, {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
        });
        if (response.status !== 201) {
          throw new Error(`TokenRequest for ${namespace}/${name} answered ${response.status}: ${response.body}`);
        }
        return (JSON.parse(response.body) as { status: { token: string } }).status.token;
      },
      kubectl(args, kubectlOptions = {}) {
        const config = kubectlOptions.kubeconfig ?? kubeconfig;
        return runCommand(binaries.kubectl, [`--kubeconfig=${config}`, ...args], kubectlEnv, kubectlOptions.input);
      },
      auditEvents: () => (auditLogPath ? readAuditEvents(auditLogPath) : []),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
