/** Readings of a process's /proc/<pid>/status that the benches share (Linux). */
import { readFileSync } from 'node:fs';

/**
 * Peak resident memory (MiB) of a process's own address space, threads included: VmHWM, which
 * starts afresh at exec (unlike getrusage's maxRSS, which Linux carries across fork and exec).
 * NaN where there is no /proc.
 */
export function peakRssMiB(pid: number | 'self'): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Number(kb) / 1024;
  } catch {
    return NaN;
  }
}
