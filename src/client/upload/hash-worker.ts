/**
 * A hashing worker of the uploader (see hashed-chunks.ts): receives chunks of
 * whole CSV records as transferred bytes and answers each with what
 * chunk-hasher.ts makes of it. The rows' bytes go back transferred, not copied,
 * and so does the chunk's buffer, for the main thread to read into again.
 * It runs at a lower CPU priority than the main thread (thread-priority.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkHasher } from './chunk-hasher.js';
import type { ChunkRequest, HashWorkerSettings } from './hash-worker-protocol.js';
import { lowerThisThreadPriority } from './thread-priority.js';

/** Nice value of the hashing workers (0 normal, 19 lowest): bulk work yields to the rest of the machine. */
const HASHING_NICENESS = 10;

lowerThisThreadPriority(HASHING_NICENESS);
const hasher = new ChunkHasher(workerData as HashWorkerSettings);
const port = parentPort!;

port.on('message', (request: ChunkRequest) => {
  const reply = hasher.hash(request);
  port.postMessage(reply, [reply.rows.buffer as ArrayBuffer, reply.input]);
});
