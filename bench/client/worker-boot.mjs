// Workers do not inherit the parent's `--import tsx` on Node 20, so each
// benchmark worker starts here, registers tsx, then loads its TypeScript entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
