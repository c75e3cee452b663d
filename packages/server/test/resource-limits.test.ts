// Server state whose size a client controls: each is bounded per connection, and never a multiple
// of what the client sent that grows with the number of namespaces it joins.
import type { Socket } from '@emitwire/server';
import { cleanup, client, connected, once, RawClient, startServer } from './helpers.js';

afterEach(cleanup);

describe('resource limits', () => {
  test('handshake.query is parsed once per connection: its sockets share it', async () => {
    const srv = await startServer();
    const queries: Array<Record<string, string | string[]>> = [];
    srv.io.of(/^\/q\d+$/).use((socket, next) => {
      queries.push(socket.handshake.query);
      next();
    });
    srv.io.use((socket, next) => {
      queries.push(socket.handshake.query);
      next();
    });
    // many parameters: parsed per socket, each of up to maxNamespacesPerConnection sockets held its own copy
    const params = Array.from({ length: 1000 }, (_, i) => `k${i}=${i}`).join('&');
    const c = await RawClient.open(srv, true, `?EIO=4&transport=websocket&${params}`);
    c.send('40/q1,');
    expect(await c.next()).toMatch(/^40\/q1,\{"sid":/);
    c.send('40/q2,');
    expect(await c.next()).toMatch(/^40\/q2,\{"sid":/);
    expect(queries).toHaveLength(3);
    expect(queries[0]!.k999).toBe('999');
    expect(queries[1]).toBe(queries[0]);
    expect(queries[2]).toBe(queries[0]);
    // another connection has its own
    const other = await RawClient.open(srv, true, '?EIO=4&transport=websocket&k1=x');
    expect(other.closed).toBe(false);
    expect(queries[3]!.k1).toBe('x');
    expect(queries[3]).not.toBe(queries[0]);
  });

  test('maxConnectPayload: a CONNECT whose auth is past it gets CONNECT_ERROR, and no socket keeps it', async () => {
    const srv = await startServer({ maxConnectPayload: 100 });
    const admitted: string[] = [];
    srv.io.of(/^\/a\d+$/).on('connection', (socket: Socket) => admitted.push(socket.nsp.name));
    const c = await RawClient.open(srv);
    // exactly at the limit (the whole packet text: `0/a1,` and the JSON) is admitted
    const fits = `0/a1,{"t":"${'x'.repeat(100 - 13)}"}`;
    expect(fits).toHaveLength(100);
    c.send('4' + fits);
    expect(await c.next()).toMatch(/^40\/a1,\{"sid":/);
    // one more is refused, before any namespace is made for it
    c.send('40/a2,' + `{"t":"${'x'.repeat(100 - 12)}"}`);
    expect(await c.next()).toBe('44/a2,{"message":"Auth payload too large"}');
    expect(srv.io._namespace('/a2')).toBeUndefined();
    // a flood of such CONNECTs (each parsed into many objects) is refused one by one
    const big = '{"a":[' + '{},'.repeat(1000) + '{}]}';
    for (let i = 3; i < 13; i++) c.send(`40/a${i},${big}`);
    for (let i = 3; i < 13; i++) expect(await c.next()).toBe(`44/a${i},{"message":"Auth payload too large"}`);
    expect(admitted).toEqual(['/a1']);
    // the connection works on
    c.send('40/a2,{"t":"ok"}');
    expect(await c.next()).toMatch(/^40\/a2,\{"sid":/);
    expect(c.closed).toBe(false);
  });

  test('maxConnectPayload: the official client sees connect_error with the message; the default is 16384', async () => {
    const srv = await startServer();
    expect(srv.io._options.maxConnectPayload).toBe(16_384);
    const auths: unknown[] = [];
    srv.io.on('connection', (socket: Socket) => auths.push(socket.handshake.auth));
    const ok = client(srv, '/', { auth: { token: 't'.repeat(16_000) } });
    await connected(ok);
    expect(auths).toEqual([{ token: 't'.repeat(16_000) }]);
    const tooBig = client(srv, '/', { auth: { token: 't'.repeat(17_000) } });
    const [err] = await once<[Error]>(tooBig, 'connect_error');
    expect(err.message).toBe('Auth payload too large');
    expect(auths).toHaveLength(1);
    expect(() => new (srv.io.constructor as typeof import('@emitwire/server').Server)({ maxConnectPayload: 0 })).toThrow(
      'option maxConnectPayload must be a finite positive number',
    );
  });
});
