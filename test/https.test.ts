/*
 * The server attached to an existing `https` server: TLS handshakes and upgrades go through the
 * user's server, its own routes stay its own, and `handshake.secure` says so. The certificate is a
 * throwaway self-signed one made by `openssl` for this run (none is kept in the repository).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type Socket } from '@emitwire/server';
import { io as officialIo } from 'socket.io-client';

let cert: string;
let key: string;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'emitwire-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('attached to an https server: secure handshakes, the server keeps its own routes', async () => {
  const https: HttpsServer = createServer({ cert, key }, (_req, res) => res.end('app over tls'));
  const io = new Server(https);
  const seen = new Promise<Socket>((resolve) => io.on('connection', resolve));
  io.on('echo', (_socket, text: unknown) => `echo ${String(text)}`);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const { port } = https.address() as AddressInfo;
  const client = officialIo(`https://127.0.0.1:${port}`, { transports: ['websocket'], ca: cert, forceNew: true, reconnection: false });
  try {
    const socket = await seen;
    expect(socket.handshake.secure).toBe(true);
    expect(await client.timeout(2000).emitWithAck('echo', 'hi')).toBe('echo hi');
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/', ca: cert }, (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk.toString()));
        res.on('end', () => resolve(data));
      }).on('error', reject);
    });
    expect(body).toBe('app over tls');
  } finally {
    client.disconnect();
    await io.close();
  }
  expect(https.listening).toBe(false);
});
