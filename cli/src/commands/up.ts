import type { RecModel } from '@recsys/core/recmodel/types';
import { type Command, InvalidArgumentError } from 'commander';
import { positiveInteger } from '../options.ts';
import { LocalRuntime } from '../runtime/local-runtime.ts';
import { localPaths, readRecModelFile } from '../runtime/spec-options.ts';

interface UpFlags {
  file: string;
  var: string;
  source?: string;
  apiPort?: number;
  sitePort?: number;
  tick: number;
}

/** `recsys up -f recmodel.yaml`: the local runtime — one RecModel reconciled on this machine with child processes. */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'Run a RecModel on this machine: train if there is no Production, serve it (following Production) and the site, ' +
        "retrain and write the report on the spec's schedules, and stop everything on Ctrl-C. " +
        'Touch <var>/retrain to ask for one retrain now; the state is in <var>/recmodel-status.json.',
    )
    .requiredOption('-f, --file <recmodel.yaml>', 'the RecModel (examples/recmodel.yaml)')
    .option('--var <dir>', 'where the store, logs, runs, reports and status live', 'var')
    .option('--source <dir|name>', 'override spec.dataset.source (a MovieLens directory or archive name)')
    .option('--api-port <port>', 'override spec.serving.port', port)
    .option('--site-port <port>', 'override spec.frontend.port', port)
    .option('--tick <ms>', 'how often to reconcile when nothing happens', positiveInteger, 2000)
    .action(async (flags: UpFlags) => {
      const readRecModel = (): RecModel => withOverrides(readRecModelFile(flags.file), flags);
      const first = readRecModel();
      const paths = localPaths(flags.var);
      const log = (line: string) => process.stderr.write(`recsys up: ${line}\n`);
      const runtime = new LocalRuntime({
        readRecModel,
        paths,
        tickMs: flags.tick,
        log,
        print: (line) => process.stderr.write(`${line}\n`),
      });
      // The URLs come once something answers on them (the runtime prints them then), never before.
      log(`RecModel ${first.metadata.name} from ${flags.file}; state in ${paths.statusFile}; Ctrl-C stops everything`);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: stopping the runs, the server and the site`);
        runtime.stop().then(
          () => process.exit(signal === 'SIGINT' ? 130 : 143),
          (err) => {
            log(`stopping failed: ${(err as Error).message}`);
            runtime.killChildrenNow();
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      // Whatever ends this process, no child outlives it.
      process.on('exit', () => runtime.killChildrenNow());
      runtime.start();
      await new Promise(() => {});
    });
}

function withOverrides(recModel: RecModel, flags: UpFlags): RecModel {
  const { spec } = recModel;
  return {
    ...recModel,
    spec: {
      ...spec,
      dataset: flags.source ? { ...spec.dataset, source: flags.source } : spec.dataset,
      serving: flags.apiPort ? { ...spec.serving, port: flags.apiPort } : spec.serving,
      frontend: flags.sitePort ? { ...spec.frontend, port: flags.sitePort } : spec.frontend,
    },
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new InvalidArgumentError(`expected a port 1-65535, got ${value}`);
  return n;
}
