import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';

/** An official socket.io server on 127.0.0.1 and a free port. */
export interface Peer {
  io: Server;
  http: HttpServer;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startPeer(opts: Partial<ServerOptions> = {}): Promise<Peer> {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], ...opts });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    http,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** Resolves with the arguments of the next `event` emitted by `emitter`. */
export function once<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, ((...args: T) => resolve(args)) as never));
}
