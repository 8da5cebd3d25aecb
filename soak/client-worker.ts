/** Entry of a soak worker process (forked by WorkerFleet): runs one client pool. */
import { runWorker } from './worker-fleet';

runWorker(process);
