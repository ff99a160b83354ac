import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Each command family lives in its own module, listed here in the order `--help` lists them. Loaded on demand:
 * importing every command's libraries (client-node, the trainer, …) costs seconds, which `recsys serve` would pay
 * on every start (and its restart-to-ready with it).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  data: async () => (await import('./data.ts')).registerData,
  train: async () => (await import('./train.ts')).registerTrain,
  promote: async () => (await import('./promote.ts')).registerPromote,
  retrain: async () => (await import('./retrain.ts')).registerRetrain,
  models: async () => (await import('./models.ts')).registerModels,
  tracking: async () => (await import('./tracking.ts')).registerTracking,
  serve: async () => (await import('./serve.ts')).registerServe,
  logs: async () => (await import('./logs.ts')).registerLogs,
  report: async () => (await import('./report.ts')).registerReport,
  replay: async () => (await import('./replay.ts')).registerReplay,
  simulate: async () => (await import('./simulate.ts')).registerSimulate,
  up: async () => (await import('./up.ts')).registerUp,
  operator: async () => (await import('./operator.ts')).registerOperator,
};

/** Registers the command `name` names when it is one, else every command (for --help and errors). */
export async function registerCommands(program: Command, name?: string): Promise<void> {
  const chosen = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  for (const register of await Promise.all(chosen.map((command) => COMMANDS[command]()))) register(program);
}
