// A kafkajs socket factory that loses produce responses on demand: the request reaches the real
// broker and is written there, and the connection then fails before its answer arrives. That is a
// broker restarting (or a network cut) at the worst moment, the one case in which a producer cannot
// know whether its records were written. Everything else goes through untouched.
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

const PRODUCE_API_KEY = 0;

export interface LostResponses {
  readonly socketFactory: ISocketFactory;
  /** Lose the answers to the next `n` produce requests. */
  lose(n: number): void;
  /** How many produce answers were lost so far. */
  readonly lost: number;
}

export function lostResponses(): LostResponses {
  let toLose = 0;
  let lost = 0;
  const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl ? tls.connect({ host, port, ...ssl }, onConnect) : net.connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      const written = write(chunk, ...rest);
      // A request frame: int32 size, int16 api key, … (kafkajs writes one request per call).
      if (toLose > 0 && Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === PRODUCE_API_KEY) {
        toLose -= 1;
        lost += 1;
        // Held back, not read: the broker answers into a paused socket, which then fails.
        socket.pause();
        setTimeout(() => socket.destroy(new Error('connection cut before the produce response (test fault)')), 500);
      }
      return written;
    }) as typeof socket.write;
    return socket;
  };
  return {
    socketFactory,
    lose: (n) => {
      toLose = n;
    },
    get lost() {
      return lost;
    },
  };
}
