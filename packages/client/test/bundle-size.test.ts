/*
 * Size budget (issue 4): `io` bundled for the browser, minified and gzipped. Bundled in-process
 * with esbuild from source (protocol included), the way a user's bundler would tree-shake it.
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runInNewContext } from 'node:vm';
import { scriptBuild } from './script-build.js';

/** The budget of issue 4 (the official socket.io-client is about 13,100 bytes). */
const BUDGET = 5000;
/**
 * Interim regression ceiling while the budget is not met (the bundle weighed 6,841 bytes before the
 * size work, 5,980 after its first round, 5,647 after the second, 5,764 with the client-side
 * maxPayload check, 5,709 after the Manager→Socket entry point and one emit path, 5,698 with one
 * misuse helper shared by protocol and client, 5,714 with the encoder's cap of 10 attachments,
 * 5,637 with one listener-list implementation, shared connect/disconnect aliases and fewer emitted
 * fields, 5,618 after smaller trims, 5,626 with one reconnection timer however the connection is
 * reopened, 5,657 with listener and ack-callback exceptions kept out of the client's own work, 5,672
 * with packets for a namespace left dropped, 5,674 with a refused emit's flags cleared, 5,701 with
 * auth callbacks counted once per connection, 5,710 with one manager cache key per server path, 5,723
 * with a throwing WebSocket constructor as a failed attempt, 5,734 with a refused retries emit thrown
 * rather than lost, 5,736 with a query object of its own per manager, 5,739 with a
 * recovery replay kept only for the CONNECT it answers, 5,724 with a WebSocket error ending the connection
 * at once, 5,732 with the CONNECT answer's flush and replay stopped by a listener that leaves, 5,751
 * with no session offered again after a disconnection the client chose, 5,765 with the namespace
 * sent as written, not percent-encoded, 5,778 with a retried emit refused after its first try
 * reported on the console, not thrown, 5,785 with a CONNECT_ERROR while connected disconnecting the socket,
 * 5,797 with a DISCONNECT never refused for the announced maxPayload, 5,831 with retries spent only
 * while connected and volatile emits never retried, 5,833 with reconnect_failed before the last
 * reconnect_error, 5,871 with an overdue heartbeat ending the connection before an emit is lost on
 * it, 5,870 with that check made once per emit, before the retry queue, 5,871 with the socket's types
 * in a file of their own: the same 14,284 minified bytes, esbuild's short names dealt out differently,
 * 5,886 with io()'s manager cache holding its managers weakly, so that it no longer keeps every
 * manager ever shared, closed or not, with its sockets and their listeners, 5,933 with pings before
 * the open packet ignored and a ping flood with a backlog not answered,
 * 5,928 with a packet's frames made by one flat(),
 * 5,912 with the decoder's data rules as one conditional expression, not a table of functions,
 * 5,905 with the encoder's walk using an array as its own key list and no Blob flag,
 * 5,903 with listeners() copying by spread,
 * 5,897 with no initial values for fields set before they are read,
 * 5,893 with no local alias of Socket._in's packet,
 * 5,891 with the remote-error check wrapping its argument in Object() once, 5,940 merged with the
 * decoder options kept at their defaults when undefined and thrown when invalid, 5,936 with an
 * array's own toJSON followed by the binary encoder as JSON.stringify follows it): just above the current
 * figure, so that
 * growth fails here.
 * Lower it as the bundle shrinks; replace it with BUDGET once the bundle fits. The budget is NOT
 * met yet.
 */
const CEILING = 5936;

const client = resolve(__dirname, '../src/index.ts');
const protocol = resolve(__dirname, '../../protocol/src/index.ts');

async function gzipped(contents: string, external: string[] = []): Promise<{ min: number; gz: number }> {
  const result = await build({
    stdin: { contents, resolveDir: __dirname, loader: 'ts' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    // the protocol from source, or left out (to weigh the client code alone)
    ...(external.length > 0 ? { external } : { alias: { '@emitwire/protocol': protocol } }),
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0]!.contents;
  return { min: out.length, gz: gzipSync(out, { level: 9 }).length };
}


test(`io() for the browser, minified + gzipped, within the budget`, async () => {
  const total = await gzipped(`export { io } from ${JSON.stringify(client)};`);
  const own = await gzipped(`export { io } from ${JSON.stringify(client)};`, ['@emitwire/protocol']);
  const codec = await gzipped(
    `export { Decoder, encodePacket, fromRemoteErrorPayload, RpcError, TimeoutError, ClosedError, ProtocolError, RESERVED_EVENTS } from ${JSON.stringify(protocol)};`,
  );
  const script = scriptBuild();
  const scriptGz = gzipSync(script, { level: 9 }).length;
  const line =
    `io() browser bundle: ${total.gz} bytes gzipped (${total.min} minified); client code alone ${own.gz}, ` +
    `protocol codec alone ${codec.gz}; budget ${BUDGET}; dist/emitwire.min.js ${scriptGz} gzipped (${script.length} minified)`;
  if (total.gz > BUDGET) console.warn(`${line}\n*** OVER THE ${BUDGET}-byte BUDGET of issue 4 by ${total.gz - BUDGET} bytes ***`);
  else console.log(line);
  expect(total.gz).toBeLessThanOrEqual(Math.max(BUDGET, CEILING));
});

test('the browser bundle never references ws or Node built-ins', async () => {
  const result = await build({
    entryPoints: [client],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    alias: { '@emitwire/protocol': protocol },
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((f) => /node_modules|^node:|\/ws\//.test(f))).toEqual([]);
});

test('error classes keep their names in a minified bundle (minifiers rename classes)', async () => {
  const result = await build({
    stdin: {
      contents: `import { EmitwireError, ProtocolError, TimeoutError, ClosedError, RpcError } from ${JSON.stringify(client)};
        globalThis.names = [EmitwireError, ProtocolError, TimeoutError, ClosedError, RpcError].map((C) => new C('EW_REMOTE').name);`,
      resolveDir: __dirname,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    alias: { '@emitwire/protocol': protocol },
    write: false,
    logLevel: 'silent',
  });
  const context: { names?: string[] } = {};
  runInNewContext(result.outputFiles[0]!.text, context);
  expect(context.names).toEqual(['EmitwireError', 'ProtocolError', 'TimeoutError', 'ClosedError', 'RpcError']);
});
