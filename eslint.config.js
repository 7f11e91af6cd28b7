// Lint: typescript-eslint's type-checked rules over every TypeScript file the project compiles.
// The rules that matter most here are no-floating-promises and no-misused-promises: on Node an
// unobserved rejection ends the process, and with it every user's connections.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', 'bench/results/**', '**/*.js', '**/*.mjs', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
);
