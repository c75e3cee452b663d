/** @jest-config-loader esbuild-register */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from 'jest';

// One config for every package. TypeScript is transformed by SWC (fast, no type checking);
// `pnpm typecheck` (tsc) is the type gate and runs in CI.
const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  },
];

const config: Config = {
  testEnvironment: 'node',
  roots: ['packages', 'test', 'examples', 'bench'].filter((d) => existsSync(join(__dirname, d))).map((d) => `<rootDir>/${d}`),
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.tsx?$': swc },
  moduleNameMapper: {
    '^@emitwire/(protocol|server|client)$': '<rootDir>/packages/$1/src/index.ts',
    '^@emitwire/client/node$': '<rootDir>/packages/client/src/node.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};

export default config;
