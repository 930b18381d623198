// Lint rules that guard the architecture (STYLE.md): imports flow routes → controllers → services →
// repositories → db, and nothing in server/ imports workers/.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'certs-sample/**', 'bench/out/**', 'views/assets/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/workers/**', '../workers/*', '../../workers/*'], message: 'server/ never imports workers/ (STYLE.md).' }] }],
    },
  },
  {
    files: ['server/services/**/*.ts', 'server/repositories/**/*.ts', 'server/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/workers/**'], message: 'server/ never imports workers/.' }, { group: ['**/controllers/**', '**/routes/**'], message: 'Services and below never import controllers or routes.' }] },
      ],
    },
  },
  {
    files: ['server/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/workers/**', '**/controllers/**', '**/routes/**', '**/services/**', '**/repositories/**', '**/db/database*'], message: 'domain/ is pure: no I/O layers.' }] },
      ],
    },
  },
  {
    files: ['workers/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'server/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
