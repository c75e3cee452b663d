// The browser bundles: one minified `<script>` file defining globals (dist/emitwire.min.js) and one
// minified ES module (dist/emitwire.esm.min.js), each with @emitwire/protocol inside and no `ws`.
// Used by the package build (after-build.mjs) and by the tests, which build in-process.
import { build } from 'esbuild';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protocol = fileURLToPath(new URL('../../protocol/src/index.ts', import.meta.url));

/** esbuild options shared by the browser bundles (and the size check). */
export const browserOptions = {
  bundle: true,
  minify: true,
  platform: 'browser',
  target: 'es2022',
  // bundle the protocol from source: no build order between packages
  alias: { '@emitwire/protocol': protocol },
  absWorkingDir: root,
  logLevel: 'warning',
  legalComments: 'none',
};

/**
 * Builds the browser bundles. With `write: false` the outputs come back in memory.
 * @param {{ outdir?: string, write?: boolean }} [opts]
 */
export async function buildBrowserBundles({ outdir = 'dist', write = true } = {}) {
  const script = await build({
    ...browserOptions,
    entryPoints: ['src/browser.ts'],
    format: 'iife',
    outfile: `${outdir}/emitwire.min.js`,
    write,
  });
  const esm = await build({
    ...browserOptions,
    entryPoints: ['src/index.ts'],
    format: 'esm',
    outfile: `${outdir}/emitwire.esm.min.js`,
    write,
  });
  return { script: script.outputFiles?.[0]?.contents, esm: esm.outputFiles?.[0]?.contents };
}
