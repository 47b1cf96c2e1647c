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
