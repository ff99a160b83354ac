import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlflowTracker } from './mlflow.ts';
import { nextSeq, type RunJournal } from './spool.ts';
import { TrackingError } from './tracker.ts';

/** A stand-in MLflow on 127.0.0.1 whose answers a test scripts, logging every request it gets. */
interface FakeMlflow {
  uri: string;
  requests: { endpoint: string; body: Record<string, unknown> }[];
  /** endpoint (`POST /api/2.0/mlflow/runs/log-batch`) → [status, body]; unscripted endpoints answer 200 `{}`. */
  answer: (endpoint: string, body: Record<string, unknown>) => [number, unknown] | undefined;
  close: () => Promise<void>;
}

async function fakeMlflow(): Promise<FakeMlflow> {
  const fake = { requests: [], answer: () => undefined } as unknown as FakeMlflow;
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const endpoint = `${request.method} ${(request.url ?? '').split('?')[0]}`;
    const body = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {};
    fake.requests.push({ endpoint, body });
    const [status, answer] = fake.answer(endpoint, body) ?? [200, {}];
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

const api = (path: string, method = 'POST') => `${method} /api/2.0/mlflow/${path}`;
const createdRun = {
  run: {
    info: { run_id: 'r1', experiment_id: '1', status: 'RUNNING', artifact_uri: 'mlflow-artifacts:/1/r1/artifacts' },
    data: {},
  },
};

let fake: FakeMlflow;
let spool: { dir: string; cleanup: () => void };
beforeEach(async () => {
  fake = await fakeMlflow();
  spool = tempDir('tracking-spool-');
});
afterEach(async () => {
  await fake.close();
  spool.cleanup();
});

describe('MLflow tracker when the server fails', () => {
  it('names the server, the endpoint and the status of a 5xx, and keeps the whole run in the spool', async () => {
    fake.answer = () => [503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'database is locked' }];
    const tracker = new MlflowTracker({ uri: fake.uri, spoolDir: spool.dir });
    const run = await tracker.startRun({ experiment: 'e', runName: 'r' });
    await run.logParams({ factors: 8 });
    await run.logMetrics({ 'validation.ndcg@10': 0.2 });
    const error = await run.end().catch((err: Error) => err);

    expect(error).toBeInstanceOf(TrackingError);
    expect((error as Error).message).toContain(
      `MLflow at ${fake.uri} answered GET /api/2.0/mlflow/experiments/get-by-name with HTTP 503 TEMPORARILY_UNAVAILABLE: database is locked`,
    );
    expect((error as Error).message).toContain(spool.dir);
    const [journal] = tracker.spool.entries() as RunJournal[];
    expect(journal).toMatchObject({ run_id: null, delivered: 0, run_name: 'r' });
    expect(journal.ops.map((op) => op.op)).toEqual(['tags', 'params', 'metrics', 'end']);
    // Once offline, the handle stops asking: one try at start, one more at end().
    expect(fake.requests.filter((r) => r.endpoint.endsWith('get-by-name'))).toHaveLength(2);
  });

  it('resends only what the server did not take, into the run it already created', async () => {
    let batches = 0;
    let healthy = false;
    fake.answer = (endpoint) => {
      if (endpoint === 'GET /api/2.0/mlflow/experiments/get-by-name')
        return [200, { experiment: { experiment_id: '1' } }];
      if (endpoint === api('runs/create')) return [200, createdRun];
      if (endpoint === api('runs/log-batch') && ++batches >= 2 && !healthy) return [500, { message: 'disk full' }];
      return undefined;
    };
    const tracker = new MlflowTracker({ uri: fake.uri, spoolDir: spool.dir });
    const run = await tracker.startRun({ experiment: 'e', runName: 'r', tags: { family: 'als' } });
    await run.logParams({ factors: 8 });
    await run.logMetrics({ 'validation.ndcg@10': 0.2 });
    await expect(run.end()).rejects.toThrow(/HTTP 500: disk full/);
    expect(tracker.spool.entries()).toMatchObject([{ run_id: 'r1', delivered: 1 }]);

    healthy = true;
    const report = await tracker.resend();
    expect(report).toEqual({ delivered: ['run r (r1)'], pending: 0 });
    expect(fake.requests.filter((r) => r.endpoint === api('runs/create'))).toHaveLength(1);
    const batchesSent = fake.requests
      .filter((r) => r.endpoint === api('runs/log-batch'))
      .map((r) => Object.keys(r.body));
    // tags taken; params refused live and again at end(); then resend sends params and metrics once each.
    expect(batchesSent).toEqual([
      ['run_id', 'tags'],
      ['run_id', 'params'],
      ['run_id', 'params'],
      ['run_id', 'params'],
      ['run_id', 'metrics'],
    ]);
    expect(fake.requests.at(-1)).toMatchObject({
      endpoint: api('runs/update'),
      body: { run_id: 'r1', status: 'FINISHED' },
    });
    expect(tracker.spool.entries()).toEqual([]);
    expect(run.runId).toBe('r1');
    expect(Object.values(tracker.spool.runIds())).toEqual(['r1']);
  });

  it('throws a refused registry change at the caller without spooling it, but spools one the server could not take', async () => {
    fake.answer = (endpoint) => {
      if (endpoint === 'GET /api/2.0/mlflow/model-versions/search') return [200, {}];
      if (endpoint === api('model-versions/create'))
        return [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run not found' }];
      return undefined;
    };
    const tracker = new MlflowTracker({ uri: fake.uri, spoolDir: spool.dir });
    const options = { modelName: 'als', runId: 'ffff', version: 'v1', artifactPath: 'bundle' };
    await expect(tracker.registerVersion(options)).rejects.toThrow(
      `MLflow at ${fake.uri} answered POST /api/2.0/mlflow/model-versions/create with HTTP 404 RESOURCE_DOES_NOT_EXIST: Run not found`,
    );
    expect(tracker.spool.entries()).toEqual([]);

    await fake.close();
    await expect(tracker.registerVersion(options)).rejects.toThrow(/could not be reached .* kept in the spool/);
    expect(tracker.spool.entries()).toMatchObject([{ kind: 'registry', request: { op: 'register', version: 'v1' } }]);
  });

  it('holds registry changes behind a run that a live process is still logging', async () => {
    fake.answer = () => [503, { message: 'starting' }];
    const tracker = new MlflowTracker({ uri: fake.uri, spoolDir: spool.dir });
    const run = await tracker.startRun({ experiment: 'e', runName: 'still-running' });
    expect(await tracker.resend()).toEqual({ delivered: [], pending: 1 });
    fake.answer = () => undefined;
    await expect(tracker.transitionStage({ modelName: 'als', version: 'v1', stage: 'Staging' })).rejects.toThrow(
      /still being logged/,
    );
    expect(tracker.spool.entries().map((entry) => entry.kind)).toEqual(['run', 'registry']);
    expect(run.runId).toMatch(/^local-/);
  });

  it('ends a spooled run whose process died before end() as KILLED', async () => {
    fake.answer = (endpoint) => {
      if (endpoint === 'GET /api/2.0/mlflow/experiments/get-by-name')
        return [200, { experiment: { experiment_id: '1' } }];
      if (endpoint === api('runs/create')) return [200, createdRun];
      return undefined;
    };
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const tracker = new MlflowTracker({ uri: fake.uri, spoolDir: spool.dir });
    tracker.spool.write({
      kind: 'run',
      seq: nextSeq(),
      local_id: 'local-dead',
      pid: dead,
      experiment: 'e',
      run_name: 'crashed',
      start_time: Date.now(),
      uri: null,
      run_id: null,
      ops: [{ op: 'params', params: { factors: '8' } }],
      delivered: 0,
      last_error: 'connect ECONNREFUSED',
    });
    expect((await tracker.resend()).delivered).toEqual(['run crashed (r1)']);
    expect(fake.requests.at(-1)).toMatchObject({ endpoint: api('runs/update'), body: { status: 'KILLED' } });
  });
});
