import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.tap/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly' }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    // Only src/cli/ touches the process (STYLE.md): everything else takes parameters.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/main.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'Only src/cli/main.ts touches process; take a parameter instead.' }]
    }
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.js', 'bench/**/*.ts', 'scripts/**/*.js'],
    rules: { 'no-console': 'off' }
  }
)
