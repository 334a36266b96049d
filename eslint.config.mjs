// Lint: typescript-eslint's recommended rules (syntax-based, so `npm run lint` stays fast), plus a
// guard that keeps workflow code deterministic: no Node built-ins, no I/O, no wall clock of its own.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/histories/', '.durabatch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests and fixtures cast through `as never` / `as unknown as X` to build partial SDK objects.
      '@typescript-eslint/no-explicit-any': 'off',
      // bin/durabatch.js and the lazily loaded schema modules are CommonJS on purpose.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Tests build results streams that fail before their first item.
    files: ['test/**/*.ts'],
    rules: { 'require-yield': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net'],
              message: 'workflow code must stay deterministic: no Node built-ins or I/O',
            },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'not deterministic in workflow code' }],
    },
  },
  {
    files: ['bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
  },
);
