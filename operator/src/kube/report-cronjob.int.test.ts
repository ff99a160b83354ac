import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { logFilePath } from '@recsys/core/logs/files';
import { RequestLog, type RequestLogRow } from '@recsys/core/logs/request-log';
import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { recsysShim, runJobPod } from '../testing/kubelet.ts';
import { type Manifest, reportCronJob } from './objects.ts';

const temp = tempDir('recsys-report-cronjob-');
afterAll(() => temp.cleanup());

const config = { trainerImage: 'trainer:1.2.3', artifactClaim: 'artifacts', artifactMount: '/artifacts' };

function row(i: number, fallback: boolean): RequestLogRow {
  const now = Date.now() - 3_600_000 + i * 1000;
  return {
    request_id: `r-${i}`,
    timestamp: now,
    as_of: now,
    user_id: fallback ? 900_000 + i : 1 + (i % 4),
    endpoint: 'POST /recommend',
    model_version: 'v1',
    recommendations: fallback ? [50, 100] : [i, i + 1, i + 2],
    scores: null,
    latency_ms: 2,
    is_fallback: fallback,
    status: 200,
  };
}

describe('the daily report CronJob', () => {
  it("runs its pod script over the serving logs on the volume and writes the day's report beside them", async () => {
    const volume = path.join(temp.dir, 'volume');
    const logs = path.join(volume, 'logs');
    mkdirSync(logs, { recursive: true });
    const log = new RequestLog({ file: logFilePath(logs, 'requests') });
    // 8 requests from 4 known users, 2 of them fallbacks for new users: 6 distinct users, 25% fallback.
    for (let i = 0; i < 8; i++) log.append(row(i, i >= 6));
    log.close();

    const recModel = parseRecModelOrThrow({
      apiVersion: 'recsys.dev/v1alpha1',
      kind: 'RecModel',
      metadata: { name: 'movies', namespace: 'ns', uid: 'uid-1', generation: 1 },
      spec: { dataset: { source: '/artifacts/data/ml-100k' }, report: { format: 'json', since: '1d' } },
    });
    const cronJob = reportCronJob(recModel, config);
    // The Job the CronJob controller would create from its template.
    const job: Manifest = { metadata: { name: 'movies-report-29000000' }, spec: cronJob.spec.jobTemplate.spec };
    const pod = await runJobPod(job, {
      mountPath: config.artifactMount,
      volumeDir: volume,
      shimBin: recsysShim(temp.dir),
    });
    expect(pod.code, pod.stderr).toBe(0);

    // Named by the UTC day the pod ran (read back by listing, so a run across midnight cannot miss it).
    const reports = path.join(volume, 'reports', 'movies');
    const written = readdirSync(reports);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\d{4}-\d{2}-\d{2}\.json$/);
    const report = JSON.parse(readFileSync(path.join(reports, written[0]!), 'utf8'));
    expect(report.requests).toBe(8);
    expect(report.unique_users).toBe(6);
    expect(report.fallback_rate).toBeCloseTo(0.25, 10);
  });
});
