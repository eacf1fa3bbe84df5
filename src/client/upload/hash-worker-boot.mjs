// Worker threads do not inherit the parent's tsx loader on Node 20, so each
// hashing worker starts here, registers tsx, then loads its TypeScript entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
