import { RecModelOperator } from '@recsys/operator/kube/manager';
import { storeRegistry } from '@recsys/trainer/promotion/store-registry';
import type { Command } from 'commander';
import { eventStreamUrl } from '../options.ts';

const seconds = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} ${value}: expected a positive number of seconds`);
  return n;
};

/** `recsys operator`: the RecModel reconciler against a cluster (in-cluster config when no --kubeconfig). */
export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description(
      'Run the RecModel operator in one namespace: watch RecModels and their Jobs, Deployments and CronJobs, ' +
        'train, gate, promote and pin serving to Production. Only the holder of the Lease acts.',
    )
    .option('--kubeconfig <file>', 'a kubeconfig (default: the in-cluster ServiceAccount)')
    .requiredOption('--namespace <ns>', 'the namespace to reconcile')
    .option('--artifact-root <dir>', 'where this process reads the artifact volume', '/artifacts')
    .option('--artifact-mount <dir>', 'where pods mount the artifact volume', '/artifacts')
    .option('--artifact-claim <name>', 'the PersistentVolumeClaim of the artifact volume', 'recsys-artifacts')
    .option('--trainer-image <image>', 'the image of trainer, gate and report Jobs', 'ghcr.io/recsys-dev/trainer:0.1.0')
    .option(
      '--movielens-base-url <url>',
      'where trainer Jobs download official MovieLens archives and their .md5 files (default: GroupLens)',
    )
    .option('--identity <name>', 'this replica’s name in the Lease (default: random)')
    .option('--lease-name <name>', 'the Lease that elects the leader', 'recsys-operator')
    .option('--lease-duration <seconds>', 'how long a silent leader keeps the Lease', seconds('--lease-duration'), 15)
    .option('--keys-secret <name>', 'the Secret with the write keys and the site session secret (the chart makes it)')
    .option(
      '--event-stream-url <url>',
      'the PostgreSQL the chart runs, which spec.serving.eventStream: postgres means (postgres://user@host:5432/db, no password)',
      eventStreamUrl,
    )
    .option(
      '--event-stream-secret <name>',
      "the Secret whose 'password' key serving and trainer pods get as PGPASSWORD when a RecModel uses an event stream",
    )
    .option('--watch-stall <seconds>', 'restart watches silent for this long', seconds('--watch-stall'), 300)
    .action(
      async (options: {
        kubeconfig?: string;
        namespace: string;
        artifactRoot: string;
        artifactMount: string;
        artifactClaim: string;
        trainerImage: string;
        movielensBaseUrl?: string;
        identity?: string;
        leaseName: string;
        leaseDuration: number;
        watchStall: number;
        keysSecret?: string;
        eventStreamUrl?: string;
        eventStreamSecret?: string;
      }) => {
        const operator = RecModelOperator.connect(options.kubeconfig, {
          namespace: options.namespace,
          artifactRoot: options.artifactRoot,
          artifactMount: options.artifactMount,
          artifactClaim: options.artifactClaim,
          trainerImage: options.trainerImage,
          ...(options.movielensBaseUrl ? { movieLensBaseUrl: options.movielensBaseUrl } : {}),
          // The store's registry on the volume decides Production; the RecModel's tracker mirrors each decision.
          registryFor: (recModel, store) =>
            storeRegistry(store, recModel.spec.tracking.backend === 'mlflow' ? recModel.spec.tracking.uri : undefined),
          ...(options.keysSecret ? { keysSecret: options.keysSecret } : {}),
          ...(options.eventStreamUrl || options.eventStreamSecret
            ? { eventStream: { url: options.eventStreamUrl, passwordSecret: options.eventStreamSecret } }
            : {}),
          ...(options.identity ? { identity: options.identity } : {}),
          leaseName: options.leaseName,
          leaseDurationSeconds: options.leaseDuration,
          leaseRetryMs: Math.max(500, Math.min(2_000, (options.leaseDuration * 1000) / 3)),
          watchStallMs: options.watchStall * 1000,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        const shutdown = () => void operator.stop().then(() => process.exit(0));
        process.once('SIGTERM', shutdown);
        process.once('SIGINT', shutdown);
        await operator.start(() => process.exit(1));
        await new Promise<never>(() => undefined);
      },
    );
}
