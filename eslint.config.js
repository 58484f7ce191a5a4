import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'test/fixtures/lint/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // Tests must be able to fail: nothing focused or skipped may land.
    files: ['test/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'skip' }, { object: 'it', property: 'only' }, { object: 'it', property: 'todo' },
        { object: 'test', property: 'skip' }, { object: 'test', property: 'only' }, { object: 'test', property: 'todo' },
        { object: 'describe', property: 'skip' }, { object: 'describe', property: 'only' },
      ],
      'no-console': 'off',
    },
  },
  {
    // Command-line entry points talk to a person on stdout.
    files: ['scripts/**', 'bin/**', 'main/cli/**', 'bench/**', 'main/web/main.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The sandboxed preload is CommonJS and may only require('electron').
    files: ['main/electron/preload.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
