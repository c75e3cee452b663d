/*
 * The packages as a user installs them: each built package copied (not linked) into a fresh
 * node_modules, then used from an ES module app, a CommonJS app and a TypeScript consumer compiled
 * against the published .d.ts files. This checks the exports maps, both module formats, the types,
 * and the server's default `serveClient` lookup of `@emitwire/client` (resolved at run time).
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');
const PACKAGES = ['protocol', 'server', 'client'] as const;

let app: string;

function install(dir: string): void {
  for (const name of PACKAGES) {
    const from = join(root, 'packages', name);
    if (!existsSync(join(from, 'dist', 'index.js'))) {
      throw new Error(`packages/${name}/dist is missing: run \`pnpm build\` first (\`pnpm test\` does)`);
    }
    const to = join(dir, 'node_modules', '@emitwire', name);
    mkdirSync(to, { recursive: true });
    cpSync(join(from, 'package.json'), join(to, 'package.json'));
    cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
  }
  // third-party dependencies the packages declare, placed as a package manager would
  for (const dep of ['ws', '@types/ws']) {
    const target = join(dir, 'node_modules', dep);
    mkdirSync(join(target, '..'), { recursive: true });
    symlinkSync(realpathSync(join(root, 'packages', 'server', 'node_modules', dep)), target, 'dir');
  }
}

const SERVER_AND_CLIENT = (importLine: string) => `
${importLine}
const http = createServer();
const io = new Server(http);
io.on('connection', (socket) => socket.on('sum', (a, b, ack) => ack(a + b)));
io.on('twice', (socket, n) => n * 2);
http.listen(0, '127.0.0.1', async () => {
  const { port } = http.address();
  const url = 'http://127.0.0.1:' + port;
  const res = await fetch(url + '/socket.io/emitwire.min.js');
  const script = await res.text();
  const socket = io_(url, { reconnection: false });
  const sum = await new Promise((resolve) => socket.emit('sum', 2, 3, resolve));
  const twice = await socket.emitWithAck('twice', 21);
  const codec = encodePacket({ type: 2, data: ['x', 1] });
  socket.disconnect();
  await io.close();
  console.log(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), length: script.length, sum, twice, codec }));
});
`;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'emitwire-install-'));
  install(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  writeFileSync(
    join(app, 'app.mjs'),
    SERVER_AND_CLIENT(`import { createServer } from 'node:http';
import { Server } from '@emitwire/server';
import { io as io_ } from '@emitwire/client';
import { encodePacket } from '@emitwire/protocol';`),
  );
  writeFileSync(
    join(app, 'app.cjs'),
    SERVER_AND_CLIENT(`const { createServer } = require('node:http');
const { Server } = require('@emitwire/server');
const { io: io_ } = require('@emitwire/client');
const { encodePacket } = require('@emitwire/protocol');`),
  );
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe.each(['app.mjs', 'app.cjs'])('an installed app (%s)', (file) => {
  test('loads every package, talks over the wire, and gets the client script served by default', async () => {
    const { stdout } = await run(process.execPath, [file], { cwd: app, timeout: 20_000 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    const published = readFileSync(join(root, 'packages', 'client', 'dist', 'emitwire.min.js'), 'utf8');
    expect(result).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/javascript/),
      length: published.length,
      sum: 5,
      twice: 42,
      codec: '2["x",1]',
    });
  }, 30_000);
});

test('the published .d.ts files leave out every member tagged @internal', () => {
  // stripInternal in each package's tsconfig.build.json; without it the internals (the socket's
  // listener tables, the connection's callbacks) would read as public API to a user's editor
  const tagged = readdirSync(join(root, 'packages'))
    .flatMap((name) => {
      const dist = join(root, 'packages', name, 'dist');
      return existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith('.d.ts')).map((f) => join(dist, f)) : [];
    })
    .filter((file) => readFileSync(file, 'utf8').includes('@internal'));
  expect(tagged).toEqual([]);
  // and the source does use the tag, so the check above has something to catch
  expect(readFileSync(join(root, 'packages', 'server', 'src', 'socket.ts'), 'utf8')).toContain('@internal');
});

/** A consumer of the published types: the contract used on both ends, then `extra` lines. */
const consumer = (protocolImport: string, extra: string): string => `import { Server } from '@emitwire/server';
import { io } from '@emitwire/client';
${protocolImport}

interface Contract {
  clientToServer: { chat(text: string, ack: (ok: boolean) => void): void };
  serverToClient: { said(from: string, text: string): void };
}
const server = new Server<Contract>({});
server.on('chat', (socket, text, ack) => {
  server.emit('said', socket.id, text.toUpperCase());
  ack(true);
});
const client = io<Contract>('http://localhost:1');
const ok: Promise<boolean> = client.emitWithAck('chat', 'hi');
const name: EventNames<Contract['clientToServer']> = 'chat';
// @ts-expect-error: wrong argument type
client.emit('chat', 42, () => {});
void ok; void name;
${extra}`;

/** Writes `file` and a tsconfig for it, runs tsc in the app folder; its whole output. */
async function typecheck(file: string, source: string, module: 'Node16' | 'NodeNext', args: string[] = []): Promise<string> {
  writeFileSync(join(app, file), source);
  const config = `tsconfig.${file}.json`;
  writeFileSync(
    join(app, config),
    JSON.stringify({
      compilerOptions: {
        module,
        moduleResolution: module,
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      files: [file],
    }),
  );
  const tsc = require.resolve('typescript/bin/tsc');
  const result = await run(process.execPath, [tsc, '-p', config, ...args], { cwd: app, timeout: 60_000 }).catch(
    (err: { stdout?: string; stderr?: string }) => err,
  );
  return (result.stdout ?? '') + (result.stderr ?? '');
}

test('a CommonJS TypeScript consumer type-checks against the published .d.cts files (Node16 resolution)', async () => {
  // in a .cts file every import is a require: it must resolve each package's "require" types, which
  // may not be the ES module .d.ts files (TS1479 under module Node16, where require cannot load ESM)
  const source = consumer("import { Decoder, type EventNames } from '@emitwire/protocol';", 'void new Decoder();\n');
  const out = await typecheck('consumer.cts', source, 'Node16', ['--traceResolution']);
  expect(out.split('\n').filter((line) => /error TS/.test(line))).toEqual([]);
  // and it did use the CommonJS declarations of each package
  for (const name of PACKAGES) {
    expect(out).toMatch(new RegExp(`'@emitwire/${name}' was successfully resolved to '[^']*@emitwire/${name}/dist/(index|node)\\.d\\.cts'`));
  }
}, 90_000);

test('a TypeScript consumer type-checks against the published .d.ts files (NodeNext resolution)', async () => {
  const source = consumer(
    "import type { EventNames } from '@emitwire/protocol';",
    `client.on('said', (from, text) => console.log(from.length, text.length));
// @ts-expect-error: not an event of the contract
client.emit('nope', 1);
`,
  );
  expect(await typecheck('consumer.mts', source, 'NodeNext')).toBe('');
}, 90_000);
