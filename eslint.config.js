import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'docs/**', '.snippets*/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Decisions must be deterministic: use a seeded generator.',
        },
      ],
    },
  },
  {
    // Every other package is a plugin or a tool: it may use only core's four entries
    // (`@polycloud/core` for applications, `/config` for config and DataJob files,
    // `/spi` for plugins, `/testing` for tests),
    // exactly as a third-party package would.
    files: ['packages/!(core)/src/**/*.ts', 'packages/!(core)/test/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@polycloud/core/*', '!@polycloud/core/spi', '!@polycloud/core/testing', '!@polycloud/core/config'],
              message: 'Import only from "@polycloud/core", "@polycloud/core/config", "@polycloud/core/spi" or "@polycloud/core/testing".',
            },
            {
              group: ['**/core/src/**', '../core/src/**', '../../core/src/**', '../../packages/core/src/**'],
              message: 'Only core may reach into core internals.',
            },
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
