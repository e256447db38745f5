import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Decisions must be deterministic: use a seeded generator.' },
      ],
    },
  },
  {
    // Adapters (and the router) are plugins: they may use only core's public entry
    // points, exactly as a third-party adapter would.
    files: ['packages/adapter-*/src/**/*.ts', 'packages/router/src/**/*.ts', 'packages/sync/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@polycloud/core/*', '!@polycloud/core/testing'], message: 'Import only from "@polycloud/core" (or "@polycloud/core/testing" in tests).' },
            { group: ['**/core/src/**', '../../core/**', '../core/**'], message: 'Adapters may not reach into core internals.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/*/test/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'no-restricted-syntax': 'off' },
  },
);
