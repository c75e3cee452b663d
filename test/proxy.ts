/*
 * A TCP proxy in front of a server, whose existing connections can be frozen in one direction or
 * both: bytes (and closes) are swallowed, nothing reaches the other side. That makes a silent server, or a client that
 * stops answering pings, the same way for every pairing, without reaching into either peer.
 */
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { onCleanup } from './peers.js';

interface Link {
  client: Socket;
  upstream: Socket;
  /** client → server bytes are dropped */
  up: boolean;
  /** server → client bytes are dropped */
  down: boolean;
}

export interface Proxy {
  port: number;
  url: string;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  /** Freezes the connections open now: 'up' drops client → server bytes, 'down' server → client, 'both'. */
  freeze(direction: 'up' | 'down' | 'both'): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const links = new Set<Link>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = netConnect(targetPort, '127.0.0.1');
    const link: Link = { client, upstream, up: false, down: false };
    links.add(link);
    client.on('data', (chunk) => {
      if (!link.up) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!link.down) client.write(chunk);
    });
    // A frozen direction passes nothing, not even the close: a server that closes behind a frozen
    // link stays silent for the client (a partition), and so does a client for the server.
    const clientGone = (): void => {
      if (!link.up) upstream.destroy();
      if (upstream.destroyed) links.delete(link);
    };
    const upstreamGone = (): void => {
      if (!link.down) client.destroy();
      if (client.destroyed) links.delete(link);
    };
    client.on('error', clientGone).on('close', clientGone);
    upstream.on('error', upstreamGone).on('close', upstreamGone);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const proxy: Proxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    freeze(direction) {
      for (const link of links) {
        if (direction !== 'down') link.up = true;
        if (direction !== 'up') link.down = true;
      }
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream.destroy();
        }
        links.clear();
        server.close(() => resolve());
      })),
  };
  onCleanup(() => proxy.close());
  return proxy;
}
