// dist/emitwire.min.js as the package build makes it (scripts/browser-bundles.mjs, an ES module,
// run by Node into a temporary folder), for the tests that weigh or run the <script> build.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export function scriptBuild(): Buffer {
  const outdir = mkdtempSync(join(tmpdir(), 'emitwire-script-'));
  try {
    const builder = pathToFileURL(resolve(__dirname, '../scripts/browser-bundles.mjs')).href;
    execFileSync(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(builder)}); await m.buildBrowserBundles({ outdir: ${JSON.stringify(outdir)} });`,
    ]);
    return readFileSync(join(outdir, 'emitwire.min.js'));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
