import { type MessagePort, workerData } from 'node:worker_threads';
import { alsThread } from './phases.ts';
import { serveHelper } from './pool.ts';

// One ALS helper thread (see pool.ts): attaches to each fit's shared memory and runs the phases it is woken for.
const { control, port, index } = workerData as { control: Int32Array; port: MessagePort; index: number };
serveHelper(control, port, index, ({ module, memory, layout }) => alsThread(module, memory, layout, index));
