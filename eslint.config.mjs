import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Who may import whom: schema depends on nothing of ours, storage only on schema, apps only on libs, nothing on
// apps. `type:testing` (libs/testing: a real redis-server for tests, temp dirs, row builders) is open to every project
// and itself uses only the contract; `type:config` (libs/config: env parsing) is for apps.
const boundaries = (appMayUse) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:testing'] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contract'] },
      { sourceTag: 'type:config', onlyDependOnLibsWithTags: [] },
      { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:contract', 'type:testing'] },
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: ['type:contract', 'type:data', 'type:testing', 'type:config', ...appMayUse],
      },
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contract', 'type:data', 'type:tool', 'type:testing'] },
    ],
  },
];

export default [
  { ignores: ['**/node_modules', '**/dist', '**/data', '**/.nx', '**/jest.config.js', 'jest.preset.js'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries([]),
    },
  },
  {
    // Tests and benchmarks of apps may drive the simulator (a tool) as the real Jetstream stand-in.
    files: ['**/tests/**/*.ts', '**/*.test.ts', 'apps/*/bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['type:tool']) },
  },
];
