#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

// One CLI for people; every command is a thin layer over the libraries in core/trainer/serving/operator.
const program = new Command('recsys')
  .description('A Kubernetes-native movie recommender: prepare data, train, promote, serve, operate.')
  .showHelpAfterError('(add --help for usage)')
  .configureHelp({ sortSubcommands: true });

registerCommands(program, process.argv[2])
  .then(() => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    // Errors at the edge are one line a person can act on; a stack only when asked for.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`recsys: ${message}\n`);
    if (process.env.RECSYS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
  });
