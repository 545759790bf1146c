// Shared jest settings: swc transpiles (no type-check; `typecheck` does that), path aliases as in tsconfig.base.json.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/?(*.)test.ts'],
  moduleNameMapper: {
    '^@bsky-explorer/schema$': path.join(root, 'libs/schema/src/index.ts'),
    '^@bsky-explorer/storage$': path.join(root, 'libs/storage/src/index.ts'),
    '^@bsky-explorer/jetstream-sim$': path.join(root, 'tools/jetstream-sim/src/index.ts'),
    '^@bsky-explorer/testing$': path.join(root, 'libs/testing/src/index.ts'),
    '^@bsky-explorer/config$': path.join(root, 'libs/config/src/index.ts'),
  },
  testTimeout: 60000,
};
