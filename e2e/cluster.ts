import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { kubeBinDir } from '@recsys/operator/testing/kube-binaries';
import type { z } from 'zod';

/** The single-node cluster of `make cluster-up`, as the e2e tier drives it from this checkout. */
export const clusterDir = path.join(repoRoot, 'var', 'cluster');
export const kubeconfig = path.join(clusterDir, 'kubeconfig');
export const NAMESPACE = 'recsys';
/** The processes scripts/cluster/up.sh starts (their command lines name files under clusterDir). */
export const CLUSTER_PROGRAMS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'containerd',
  'containerd-shim-runc-v2',
  'kubelet',
  'kube-proxy',
  'coredns',
];

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion, its output captured; never throws on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    // A command that exits without reading its input must not fail the caller with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** `make <targets>` in this checkout, as the README says to run it; throws with its output when it fails. */
export async function make(targets: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const result = await run('make', ['--no-print-directory', ...targets], { env: { ...process.env, ...env } });
  if (result.code !== 0) {
    throw new Error(`make ${targets.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** kubectl as scripts/kube-bins.sh provides it (built, or the one on PATH within the supported skew). */
export function kubectlBinary(): string {
  const built = path.join(kubeBinDir(), 'kubectl');
  return existsSync(built) ? built : 'kubectl';
}

export const helmBinary = () => path.join(kubeBinDir(), 'helm');

/** Every file of this name on the hostPath PersistentVolumes make cluster-up offers. */
export function findOnVolumes(name: string): string[] {
  const volumes = path.join(clusterDir, 'volumes');
  return readdirSync(volumes, { recursive: true, encoding: 'utf8' })
    .filter((file) => path.basename(file) === name)
    .map((file) => path.join(volumes, file));
}

/** kubectl against the cluster as its admin; throws with stderr when it fails. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await run(kubectlBinary(), ['--kubeconfig', kubeconfig, ...args], { input, timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** `kubectl get … -o json`, parsed with the schema of what the test reads. */
export async function kubectlJson<S extends z.ZodType>(schema: S, args: string[]): Promise<z.output<S>> {
  return schema.parse(JSON.parse(await kubectl([...args, '-o', 'json'])));
}

/** Polls probe until it returns a value (not undefined), or fails after timeoutMs with the last problem it saw. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 2_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not reached within ${timeoutMs / 1000} s${last ? ` (last: ${String(last)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `kubectl port-forward <target> :<port>` on 127.0.0.1: the local port it chose, and a stop that waits for exit. */
export async function portForward(
  target: string,
  remotePort: number,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    kubectlBinary(),
    ['--kubeconfig', kubeconfig, '-n', NAMESPACE, 'port-forward', '--address', '127.0.0.1', target, `:${remotePort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`port-forward ${target} printed no port in 30 s: ${output}`)),
      30_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`port-forward ${target} exited ${code}: ${output}`)));
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return { port, stop };
}

/** JSON over HTTP with a timeout; the body parsed with the schema of the answer the test expects. */
export async function fetchJson<S extends z.ZodType>(
  schema: S,
  url: string,
  init: { method?: string; body?: unknown } = {},
): Promise<z.output<S>> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    const headers = JSON.stringify(Object.fromEntries(response.headers));
    throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status} ${headers} ${text.slice(0, 300)}`);
  }
  return schema.parse(JSON.parse(text));
}

/** What a cluster leaves on the host when it is not cleaned up; every list is empty on a clean machine. */
export interface HostLeftovers {
  processes: string[];
  mounts: string[];
  netns: string[];
  chains: string[];
  bridges: string[];
  cgroups: string[];
  /** What a node writes in fixed places whatever its own directories (kubelet, CNI library, runc). */
  files: string[];
}

/** Entries of a directory that match, or none when it does not exist. */
function entries(dir: string, keep: (name: string) => boolean = () => true): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter(keep)
        .map((name) => path.join(dir, name))
    : [];
}

/** Processes running one of the cluster's programs with a command line that names this checkout's cluster. */
export function clusterProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    const program = path.basename(argv[0] ?? '');
    if (CLUSTER_PROGRAMS.includes(program) && argv.some((arg) => arg.includes(clusterDir))) {
      found.push(`${pid} ${program}`);
    }
  }
  return found;
}

export async function hostLeftovers(): Promise<HostLeftovers> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mount) => mount.startsWith(`${clusterDir}/`) || mount === clusterDir);
  const netns = (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('cni-'));
  const chains: string[] = [];
  for (const save of ['iptables-save', 'ip6tables-save']) {
    for (const line of (await run(save, [])).stdout.split('\n')) {
      const chain = /^:((?:KUBE|CNI)-\S+)/.exec(line)?.[1];
      if (chain) chains.push(`${save}: ${chain}`);
    }
  }
  const bridges = (await run('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith('recsys-'));
  const cgroups = readdirSync('/sys/fs/cgroup')
    .map((hierarchy) => path.join('/sys/fs/cgroup', hierarchy, 'kubepods'))
    .filter((dir) => existsSync(dir));
  const files = [
    ...entries('/var/lib/kubelet'),
    ...entries('/var/lib/cni/results', (name) => name.startsWith('recsys-')),
    ...entries('/var/log/containers').filter((link) => {
      try {
        return readlinkSync(link).startsWith(clusterDir);
      } catch {
        return false;
      }
    }),
    ...entries('/run/containerd/runc/k8s.io'),
  ];
  return { processes: clusterProcesses(), mounts, netns, chains, bridges, cgroups, files };
}

/**
 * The helm and `kubectl … apply` commands README's "In a cluster" shows (continuation lines joined, comments
 * dropped): what make deploy must run.
 */
export function readmeDeployCommands(): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## In a cluster'),
    readme.indexOf('\n## ', readme.indexOf('## In a cluster') + 1),
  );
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, '').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('helm ') || (line.startsWith('kubectl ') && line.includes(' apply ')));
}
