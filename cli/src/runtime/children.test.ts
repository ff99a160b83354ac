import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildExit, ChildProcesses } from './children.ts';

const scratch = tempDir('recsys-children-');
afterAll(() => scratch.cleanup());

function startNode(children: ChildProcesses, role: string, script: string, lines: string[] = []) {
  return new Promise<ChildExit>((resolve, reject) => {
    try {
      children.start(role, {
        command: process.execPath,
        args: ['-e', script],
        logFile: path.join(scratch.dir, `${role}.log`),
        collectStdout: true,
        onStderrLine: (line) => lines.push(line),
        onExit: resolve,
      });
    } catch (err) {
      reject(err);
    }
  });
}

describe('the runtime’s child processes', () => {
  it('reports a crash with its exit code, stdout and the last stderr lines', async () => {
    const children = new ChildProcesses();
    const lines: string[] = [];
    const exit = await startNode(
      children,
      'train',
      'console.log(JSON.stringify({ok:1})); for (const n of [1,2,3,4,5,6]) console.error("line " + n); process.exit(3)',
      lines,
    );
    expect(exit).toMatchObject({ code: 3, signal: null, stopped: false, stdout: '{"ok":1}\n' });
    expect(exit.stderrTail).toEqual(['line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect(lines).toHaveLength(6);
    expect(children.running('train')).toBe(false);
  });

  it('runs one process per role, and stops it (stopped: true) without leaving it running', async () => {
    const children = new ChildProcesses();
    const exited = startNode(children, 'serving', 'setInterval(() => {}, 1000)');
    expect(children.running('serving')).toBe(true);
    expect(() =>
      children.start('serving', { command: 'true', args: [], logFile: '/dev/null', onExit: () => {} }),
    ).toThrow(/already running/);
    const [pid] = children.pids();
    await children.stopAll();
    expect(await exited).toMatchObject({ signal: 'SIGTERM', stopped: true });
    expect(() => process.kill(pid, 0)).toThrow();
    expect(children.roles()).toEqual([]);
  });
});
