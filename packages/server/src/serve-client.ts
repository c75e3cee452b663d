/*
 * Serves the browser client script at `<path>/emitwire.min.js`. The file comes from the
 * `@emitwire/client` package, resolved when first requested (the server never imports the client
 * package), or from the `clientScript` option. Absent → 404; ETag + 304 on If-None-Match.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The file name under the server path. */
export const CLIENT_SCRIPT_NAME = 'emitwire.min.js';
const SPECIFIER = '@emitwire/client/emitwire.min.js';
/** How long a missing script is remembered before looking again (it may be built meanwhile). */
const RETRY_MS = 5000;

interface Script {
  body: Buffer;
  etag: string;
}

/** Finds the installed script: from this module's location when known, else from the working directory. */
export function resolveClientScript(): string | undefined {
  const bases: string[] = [];
  // CJS build and jest define __filename; the ESM build does not (and import.meta is not usable in CJS)
  if (typeof __filename === 'string') bases.push(__filename);
  if (typeof process.argv[1] === 'string') bases.push(process.argv[1]);
  bases.push(join(process.cwd(), 'package.json'));
  for (const base of bases) {
    try {
      return createRequire(base).resolve(SPECIFIER);
    } catch {
      // not resolvable from there
    }
  }
  return undefined;
}

/** Answers requests for the client script. */
export class ClientScriptHandler {
  private script: Script | undefined;
  private missingSince = -Infinity;

  constructor(private readonly explicitPath: string | undefined) {}

  private load(): Script | undefined {
    if (this.script !== undefined) return this.script;
    const now = Date.now();
    if (now - this.missingSince < RETRY_MS) return undefined;
    const file = this.explicitPath ?? resolveClientScript();
    try {
      if (file === undefined) throw new Error('not found');
      const body = readFileSync(file);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      this.script = { body, etag };
      return this.script;
    } catch {
      this.missingSince = now;
      return undefined;
    }
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      res.end();
      return;
    }
    const script = this.load();
    if (script === undefined) {
      const body = 'Not Found';
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    const headers = { ETag: script.etag, 'Cache-Control': 'public, max-age=0, must-revalidate' };
    if (req.headers['if-none-match'] === script.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'application/javascript; charset=utf-8',
      'Content-Length': script.body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : script.body);
  }
}
