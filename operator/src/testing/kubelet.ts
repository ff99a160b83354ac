import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestApiServer } from './apiserver.ts';

// biome-ignore lint/suspicious/noExplicitAny: Job manifests as the API server returns them.
type Manifest = Record<string, any>;

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** A directory holding a `recsys` executable that runs this checkout's CLI, as the trainer image's entrypoint does. */
export function recsysShim(dir: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const shim = path.join(bin, 'recsys');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'cli/src/main.ts')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return bin;
}

export interface PodRun {
  code: number | null;
  stderr: string;
  terminationMessage: string;
}

/**
 * Plays the kubelet for a Job's only container: runs its command and args locally with the container's env, the
 * artifact volume's mount path mapped to a local directory (in env values and args), the downward API's job-name
 * label resolved to the Job's name, `$(VAR)` references in args expanded as Kubernetes does, and the termination
 * message file in a scratch directory; then reads that message back.
 */
export function runJobPod(
  job: Manifest,
  options: { mountPath: string; volumeDir: string; shimBin: string },
): Promise<PodRun> {
  const container = job.spec.template.spec.containers[0];
  const scratch = mkdtempSync(path.join(options.volumeDir, '..', 'pod-'));
  const terminationLog = path.join(scratch, 'termination-log');
  const local = (value: string) =>
    value === '/dev/termination-log'
      ? terminationLog
      : value.startsWith(options.mountPath)
        ? options.volumeDir + value.slice(options.mountPath.length)
        : value;
  const env: Record<string, string> = {
    PATH: `${options.shimBin}:${process.env.PATH}`,
    HOME: scratch,
    TMPDIR: scratch,
  };
  for (const variable of container.env ?? []) {
    // The API server drops an empty value (omitempty); a kubelet then sets the variable to the empty string.
    if (typeof variable.value === 'string') env[variable.name] = local(variable.value);
    else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.labels['batch.kubernetes.io/job-name']")
      env[variable.name] = job.metadata.name;
    else if (variable.valueFrom === undefined) env[variable.name] = '';
  }
  const expand = (arg: string) => local(arg.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (ref, name) => env[name] ?? ref));
  const [command, ...rest] = [...(container.command as string[]), ...((container.args as string[] | undefined) ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, rest.map(expand), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      let terminationMessage = '';
      try {
        terminationMessage = readFileSync(terminationLog, 'utf8');
      } catch {}
      resolve({ code, stderr, terminationMessage });
    });
  });
}

/** Plays the job controller: marks a Job finished through its status subresource. */
export async function finishJob(
  server: TestApiServer,
  namespace: string,
  name: string,
  succeeded: boolean,
): Promise<void> {
  const now = new Date().toISOString();
  const conditions = succeeded
    ? [
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ]
    : [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ];
  const status = succeeded
    ? {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        active: 0,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions,
      }
    : { startTime: now, failed: 1, active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: {}, conditions };
  const response = await server.request('PATCH', `/apis/batch/v1/namespaces/${namespace}/jobs/${name}/status`, {
    body: { status },
    contentType: 'application/merge-patch+json',
  });
  if (response.status !== 200)
    throw new Error(`patching Job ${name} status answered ${response.status}: ${response.body}`);
}

/** Plays the deployment controller and kubelet: every replica of the current template is updated and ready. */
export async function markDeploymentReady(server: TestApiServer, namespace: string, name: string): Promise<void> {
  const read = await server.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  const deployment = JSON.parse(read.body) as Manifest;
  const replicas = deployment.spec.replicas ?? 1;
  const response = await server.request('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/status`, {
    body: {
      status: {
        observedGeneration: deployment.metadata.generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      },
    },
    contentType: 'application/merge-patch+json',
  });
  if (response.status !== 200)
    throw new Error(`patching Deployment ${name} status answered ${response.status}: ${response.body}`);
}
