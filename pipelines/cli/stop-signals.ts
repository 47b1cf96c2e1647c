// What a stop signal means to a long-running command. The first asks for a graceful stop. A repeat
// within `echoMs` is the same request delivered twice: under the Node 24 bootstrap a terminal's
// Ctrl-C reaches the whole process group and the bootstrap forwards what it got. A later repeat
// means the operator insists on stopping now.

export interface StopSignalPolicy {
  readonly echoMs: number;
  readonly now: () => number;
  readonly onStop: (signal: NodeJS.Signals) => void;
  readonly onInsist: (signal: NodeJS.Signals) => void;
}

export function stopSignalHandler(policy: StopSignalPolicy): (signal: NodeJS.Signals) => void {
  let firstAt: number | undefined;
  return (signal) => {
    if (firstAt === undefined) {
      firstAt = policy.now();
      policy.onStop(signal);
    } else if (policy.now() - firstAt >= policy.echoMs) {
      policy.onInsist(signal);
    }
  };
}

/** The exit status of a process that stops because of `signal`, as shells report it. */
export function exitStatusFor(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}
