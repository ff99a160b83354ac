import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// owner.sh decides whether `make cluster-up` may take this machine's node; up.sh waits on `live` and tears `stale`
// down. Only files are involved here: the owner file and the other checkout's PID files.
const script = join(import.meta.dirname, 'owner.sh');

describe('owner.sh: whose cluster holds the node', () => {
  let dir: string;
  let sleeper: ChildProcess | undefined;
  const mine = () => join(dir, 'mine');
  const other = () => join(dir, 'other');
  const ownerFile = () => join(dir, 'owner');
  const state = () =>
    execFileSync('bash', [script], {
      env: { ...process.env, RECSYS_CLUSTER_DIR: mine(), RECSYS_CLUSTER_OWNER_FILE: ownerFile() },
      encoding: 'utf8',
    }).trim();
  const recordPid = (name: string, pid: number) => {
    mkdirSync(join(other(), 'pids'), { recursive: true });
    writeFileSync(join(other(), 'pids', `${name}.pid`), `${pid}\n`);
  };
  // A PID that belonged to a process which has exited and been reaped.
  const deadPid = () => Number(execFileSync('bash', ['-c', 'sleep 0 & echo $!; wait'], { encoding: 'utf8' }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cluster-owner-'));
  });
  afterEach(() => {
    sleeper?.kill('SIGKILL');
    sleeper = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is free with no owner, with this checkout as owner, or with an owner already torn down', () => {
    expect(state()).toBe('free');
    writeFileSync(ownerFile(), `${mine()}\n`);
    expect(state()).toBe('free');
    writeFileSync(ownerFile(), `${other()}\n`);
    expect(state()).toBe('free');
  });

  it('is stale when every process the other checkout recorded is gone', () => {
    writeFileSync(ownerFile(), `${other()}\n`);
    recordPid('etcd', deadPid());
    recordPid('kubelet', deadPid());
    expect(state()).toBe(`stale ${other()}`);
  });

  it('is stale when the other checkout recorded no process at all (a bring-up killed before its first start)', () => {
    writeFileSync(ownerFile(), `${other()}\n`);
    mkdirSync(join(other(), 'pids'), { recursive: true });
    expect(state()).toBe(`stale ${other()}`);
  });

  it('is live while any one recorded process runs', () => {
    writeFileSync(ownerFile(), `${other()}\n`);
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    recordPid('etcd', deadPid());
    recordPid('kube-apiserver', sleeper.pid ?? 0);
    expect(state()).toBe(`live ${other()}`);
  });

  it('keeps make cluster-down in this checkout off a node another checkout is running', () => {
    writeFileSync(ownerFile(), `${other()}\n`);
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    recordPid('kubelet', sleeper.pid ?? 0);
    const down = spawnSync('bash', [join(import.meta.dirname, 'down.sh')], {
      env: { ...process.env, RECSYS_CLUSTER_DIR: mine(), RECSYS_CLUSTER_OWNER_FILE: ownerFile() },
      encoding: 'utf8',
    });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain(`the node belongs to the cluster of ${other()}, which is running`);
    expect(sleeper.exitCode).toBeNull();
  });
});
