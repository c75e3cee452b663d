// Client bundle size: `io` from each client package, bundled for the browser by esbuild,
// minified, then gzipped (level 9). Only what `io` pulls in counts (tree-shaken ESM).
import { gzipSync } from 'node:zlib';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

export async function bundleSize(specifier) {
  const result = await build({
    stdin: { contents: `export { io } from '${specifier}';`, resolveDir: benchDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
