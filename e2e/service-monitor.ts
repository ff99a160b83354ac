import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { helmBinary, kubectlJson, NAMESPACE, run } from './cluster.ts';

/** What the chart's ServiceMonitor asks a Prometheus Operator for: the Services it selects, their port and path. */
export interface ServiceMonitorSpec {
  selector: Record<string, string>;
  port: string;
  path: string;
}

const ServiceMonitorSchema = z.object({
  kind: z.literal('ServiceMonitor'),
  spec: z.object({
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    endpoints: z.array(z.object({ port: z.string(), path: z.string() })).min(1),
  }),
});

/** The chart's ServiceMonitor, rendered as `helm template` does with monitoring.serviceMonitor.enabled. */
export async function chartServiceMonitor(): Promise<ServiceMonitorSpec> {
  const rendered = await run(helmBinary(), [
    'template',
    'recsys',
    path.join(repoRoot, 'charts/recsys'),
    '--namespace',
    NAMESPACE,
    '--show-only',
    'templates/monitoring.yaml',
    '--set',
    'monitoring.serviceMonitor.enabled=true',
    '--set',
    'monitoring.dashboards.enabled=false',
  ]);
  if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  const monitor = ServiceMonitorSchema.parse(parseYaml(rendered.stdout));
  const [endpoint] = monitor.spec.endpoints;
  return { selector: monitor.spec.selector.matchLabels, port: endpoint?.port ?? '', path: endpoint?.path ?? '' };
}

const ServiceList = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }) })) });
const EndpointSliceList = z.object({
  items: z.array(
    z.object({
      ports: z.array(z.object({ name: z.string().optional(), port: z.number() })).nullish(),
      endpoints: z
        .array(
          z.object({
            addresses: z.array(z.string()),
            conditions: z.object({ ready: z.boolean().optional() }).optional(),
            targetRef: z.object({ name: z.string() }).optional(),
          }),
        )
        .nullish(),
    }),
  ),
});

/** The scrape targets a ServiceMonitor means now: every ready endpoint of the Services it selects, on its port. */
async function targetsOf(
  monitor: ServiceMonitorSpec,
): Promise<{ targets: string[]; labels: Record<string, string> }[]> {
  const selector = Object.entries(monitor.selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const services = await kubectlJson(ServiceList, ['-n', NAMESPACE, 'get', 'services', '-l', selector]);
  const groups: { targets: string[]; labels: Record<string, string> }[] = [];
  for (const service of services.items) {
    const slices = await kubectlJson(EndpointSliceList, [
      '-n',
      NAMESPACE,
      'get',
      'endpointslices',
      '-l',
      `kubernetes.io/service-name=${service.metadata.name}`,
    ]);
    for (const slice of slices.items) {
      const port = slice.ports?.find((p) => p.name === monitor.port)?.port;
      if (port === undefined) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        groups.push({
          targets: endpoint.addresses.map((address) => `${address}:${port}`),
          labels: { namespace: NAMESPACE, service: service.metadata.name, pod: endpoint.targetRef?.name ?? '' },
        });
      }
    }
  }
  return groups;
}

/**
 * Keeps a Prometheus file_sd file equal to what the ServiceMonitor selects, read from the Kubernetes API every
 * `intervalMs`, as the Prometheus Operator keeps its generated scrape config; stop() ends it.
 */
export function discoverTargets(monitor: ServiceMonitorSpec, file: string, intervalMs = 2_000): { stop: () => void } {
  let stopped = false;
  const refresh = async () => {
    while (!stopped) {
      try {
        writeFileSync(`${file}.partial`, JSON.stringify(await targetsOf(monitor)));
        renameSync(`${file}.partial`, file);
      } catch {
        // An API call that failed is retried at the next refresh, as a discovery loop would.
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  void refresh();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
