// ESLint (flat config) with typescript-eslint's type-aware rules; formatting is Prettier's job.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'scripts/elasticsearch/target/', 'bench-results/'] },
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits or catches loses its error: the one rule that finds real bugs here.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Express handlers, pg rows and joi results are typed loosely at the edges; tests poke at bodies.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Callbacks here are closures in object literals (close, stop), not class methods.
      '@typescript-eslint/unbound-method': 'off',
      // Functions that return promises for an interface's sake need not await anything.
      '@typescript-eslint/require-await': 'off',
      // String(unknown) on values read from the outside is deliberate; callbacks reject with what they got.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off', // chai's expect(x).to.be.true
      '@typescript-eslint/no-explicit-any': 'off', // poking at response bodies
    },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.cts'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cts'], rules: { '@typescript-eslint/no-require-imports': 'off' } }, // mocha loads reporters with require()
);
