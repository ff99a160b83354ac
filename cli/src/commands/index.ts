import type { Command } from 'commander';
import { registerData } from './data.ts';
import { registerLogs } from './logs.ts';
import { registerServe } from './serve.ts';

// Each command family lives in its own module and registers itself here, in the order `--help` lists them.
export function registerCommands(program: Command): void {
  registerData(program);
  registerServe(program);
  registerLogs(program);
}
