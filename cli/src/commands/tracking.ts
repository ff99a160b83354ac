import { trackerForStore } from '@recsys/trainer/tracking/for-store';
import type { Command } from 'commander';
import { printJson } from '../options.ts';

/** `recsys tracking resend`: deliver what an unreachable MLflow left in the store's spool. */
export function registerTracking(program: Command): void {
  const tracking = program
    .command('tracking')
    .description(
      'Experiment tracking: MLflow when --tracking-uri / RECSYS_TRACKING_URI is set, else embedded in the store.',
    );
  tracking
    .command('resend')
    .description('Deliver runs and stage moves that were spooled while the MLflow server could not take them.')
    .requiredOption('--store <dir>', 'the artifact store whose spool to deliver')
    .requiredOption('--tracking-uri <url>', 'the MLflow server, e.g. http://127.0.0.1:5000')
    .option('--json', 'print JSON on stdout', false)
    .action(async (options: { store: string; trackingUri: string; json: boolean }) => {
      const tracker = trackerForStore(options.store, options.trackingUri);
      try {
        const report = await tracker.resend();
        if (options.json) printJson(report);
        else
          process.stdout.write(
            `delivered ${report.delivered.length} spooled item(s); ${report.pending} still waiting\n`,
          );
        if (report.pending > 0) process.exitCode = 1;
      } finally {
        await tracker.close();
      }
    });
}
