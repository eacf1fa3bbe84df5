/**
 * Lowers the calling thread's CPU priority. The uploader's hashing workers
 * are bulk work: whatever else wants the CPU — a localgraph server on the same
 * machine taking the batches, the user's editor — goes first, and on an idle
 * machine they run as fast as before (decision client-14).
 *
 * Linux keeps a nice value per thread, and setpriority(2) given a thread id
 * applies to that thread alone; the id is read from /proc/thread-self. Raising
 * one's own niceness needs no privilege. Where there is no such file (macOS,
 * Windows) or the call is refused, nothing changes and false is returned.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Sets the calling thread's nice value to `niceness`, unless it already runs at that or lower. */
export function lowerThisThreadPriority(niceness: number): boolean {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    // Never raise it: a process the user started under `nice -n 15` keeps its threads at 15.
    if (getPriority(tid) >= niceness) return true;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}
