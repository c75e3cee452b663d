// Run by scripts/build-package.mjs after the ESM/CJS/.d.ts build, in the package directory.
import { buildBrowserBundles } from './browser-bundles.mjs';

await buildBrowserBundles();
