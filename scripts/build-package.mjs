// Builds the package in the current directory: dist/index.js (ESM), dist/index.cjs (CJS), and .d.ts
// files with .d.cts twins for CommonJS consumers.
// Runtime dependencies stay external; each package is bundled into one file per format.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const entries = pkg.emitwire?.entries ?? ['src/index.ts'];
const platform = pkg.emitwire?.platform ?? 'neutral';

rmSync('dist', { recursive: true, force: true });

const common = {
  entryPoints: entries,
  bundle: true,
  packages: 'external',
  platform,
  target: 'es2022',
  outdir: 'dist',
  sourcemap: false,
  // the package's build tsconfig, never the workspace one: its `paths` would inline sibling packages' sources
  tsconfig: 'tsconfig.build.json',
  logLevel: 'warning',
};
await build({ ...common, format: 'esm', outExtension: { '.js': '.js' } });
await build({ ...common, format: 'cjs', outExtension: { '.js': '.cjs' } });

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// The CommonJS entries' types: in a "type": "module" package a .d.ts describes an ES module, which a
// CommonJS TypeScript consumer (module node16/nodenext) may not require (TS1479). Each .d.ts gets a
// .d.cts twin whose relative imports name the .cjs files, so `require` resolves .d.cts throughout.
for (const file of readdirSync('dist', { recursive: true })) {
  if (typeof file !== 'string' || !file.endsWith('.d.ts')) continue;
  const source = readFileSync(`dist/${file}`, 'utf8');
  const cts = source.replace(/((?:from|import\()\s*['"]\.{1,2}\/[^'"]*)\.js(['"])/g, '$1.cjs$2');
  writeFileSync(`dist/${file.slice(0, -'.d.ts'.length)}.d.cts`, cts);
}

if (existsSync('scripts/after-build.mjs')) await import(new URL('scripts/after-build.mjs', `file://${process.cwd()}/`).href);
