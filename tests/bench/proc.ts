// What /proc says about a child process while it runs (Linux; null elsewhere or once it is gone).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

async function statusMbOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | null> {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null; // not Linux, or already gone
  }
}

export const rssMbOf = (pid: number) => statusMbOf(pid, 'VmRSS');

/** The process's peak RSS so far (the kernel's high-water mark). */
export const peakRssMbOf = (pid: number) => statusMbOf(pid, 'VmHWM');

/** Resident kB of the `[heap]` mapping in a /proc/PID/smaps text: glibc's main heap (brk), not its thread arenas. */
export function glibcHeapKbIn(smaps: string): number | null {
  const lines = smaps.split('\n');
  const start = lines.findIndex((l) => /^[0-9a-f]+-[0-9a-f]+ .*\[heap\]$/.test(l));
  if (start < 0) return null;
  for (let i = start + 1; i < lines.length && !/^[0-9a-f]+-[0-9a-f]+ /.test(lines[i]!); i += 1) {
    const kb = /^Rss:\s+(\d+) kB/.exec(lines[i]!)?.[1];
    if (kb !== undefined) return Number(kb);
  }
  return null;
}

/** glibc's main heap resident in the process (/proc/PID/smaps; a large file, so for sparse samples only). */
export async function glibcHeapMbOf(pid: number): Promise<number | null> {
  try {
    const kb = glibcHeapKbIn(await readFile(`/proc/${pid}/smaps`, 'utf8'));
    return kb === null ? null : kb / 1024;
  } catch {
    return null;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // Linux's USER_HZ nearly everywhere
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of the process so far, every thread (utime and stime of /proc/PID/stat). */
export async function cpuSecondsOf(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 (state) on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}
