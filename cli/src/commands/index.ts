import type { Command } from 'commander';
import { registerData } from './data.ts';

// Each command family lives in its own module and registers itself here, in the order `--help` lists them.
export function registerCommands(program: Command): void {
  registerData(program);
}
