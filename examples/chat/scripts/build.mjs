// Builds the chat: dist/main.js (the Node server) and dist/public (the page: HTML, CSS, bundled app.js).
// Usable as a script (`node scripts/build.mjs`) or imported by tests (`buildChat()`).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildChat() {
  const dist = join(root, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, 'public'), { recursive: true });
  cpSync(join(root, 'public'), join(dist, 'public'), { recursive: true });
  await build({
    entryPoints: [join(root, 'src/page/app.ts')],
    outfile: join(dist, 'public/app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    // not the workspace tsconfig's `paths`: use the packages as published (their dist)
    tsconfigRaw: '{}',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(root, 'src/main.ts')],
    outfile: join(dist, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    tsconfigRaw: '{}',
    logLevel: 'warning',
  });
  return dist;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildChat();
