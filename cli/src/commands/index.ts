import type { Command } from 'commander';
import { registerData } from './data.ts';
import { registerLogs } from './logs.ts';
import { registerModels } from './models.ts';
import { registerOperator } from './operator.ts';
import { registerPromote } from './promote.ts';
import { registerReplay } from './replay.ts';
import { registerReport } from './report.ts';
import { registerRetrain } from './retrain.ts';
import { registerServe } from './serve.ts';
import { registerSimulate } from './simulate.ts';
import { registerTracking } from './tracking.ts';
import { registerTrain } from './train.ts';
import { registerUp } from './up.ts';

// Each command family lives in its own module and registers itself here, in the order `--help` lists them.
export function registerCommands(program: Command): void {
  registerData(program);
  registerTrain(program);
  registerPromote(program);
  registerRetrain(program);
  registerModels(program);
  registerTracking(program);
  registerServe(program);
  registerLogs(program);
  registerReport(program);
  registerReplay(program);
  registerSimulate(program);
  registerUp(program);
  registerOperator(program);
}
