import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@recsys/core/testing/ports';

export const PROMETHEUS = process.env.RECSYS_PROMETHEUS ?? '/usr/bin/prometheus';

export interface PrometheusProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** GET /api/v1/<path>; throws unless Prometheus answers status "success". */
  api<T>(apiPath: string, params?: Record<string, string>): Promise<T>;
}

/** A real Prometheus on 127.0.0.1 scraping one target every second, with its TSDB under `dir`. */
export function startPrometheus(dir: string, target: string, ruleFiles: string[] = []): Promise<PrometheusProcess> {
  return startPrometheusWith(dir, [`static_configs: [{ targets: ["${target}"] }]`], ruleFiles);
}

/**
 * A real Prometheus on 127.0.0.1 whose one scrape job (`recsys-serving`, every second) finds its targets as
 * `jobConfig` says: YAML lines inside the job (static targets, or Kubernetes service discovery and relabelling).
 */
export async function startPrometheusWith(
  dir: string,
  jobConfig: string[],
  ruleFiles: string[] = [],
): Promise<PrometheusProcess> {
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      `rule_files: [${ruleFiles.map((f) => JSON.stringify(f)).join(', ')}]`,
      'scrape_configs:',
      '  - job_name: recsys-serving',
      ...jobConfig.map((line) => `    ${line}`),
      '',
    ].join('\n'),
  );
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    const ready = await fetch(`${url}/-/ready`).catch(() => undefined);
    if (ready?.ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus was not ready within 30 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async api<T>(apiPath: string, params: Record<string, string> = {}) {
      const res = await fetch(`${url}/api/v1/${apiPath}?${new URLSearchParams(params)}`);
      const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
      if (body.status !== 'success') {
        throw new Error(`prometheus refused ${apiPath} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
      }
      return body.data;
    },
  };
}
