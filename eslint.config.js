import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** `@typescript-eslint/no-restricted-imports` for one folder: value imports of `layers` refused. */
function layer(files, layers, { extra = [], why }) {
  return [
    {
      files: [files],
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              ...layers.map((l) => ({
                regex: `(^|/)${l}(/|$)`,
                allowTypeImports: true,
                message: why,
              })),
              ...(extra.length > 0 ? [{ group: extra, message: why }] : []),
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'eslint.config.js'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: 'Only src/bin.ts exits.',
        },
      ],
    },
  },
  { files: ['src/bin.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // The layers (docs/architecture.md). Each folder may import only the ones below it; types
  // may cross where a renderer or the CLI needs a result's shape.
  ...layer('src/core/**', ['adapters', 'workflow', 'commands', 'cli', 'ui'], {
    extra: [
      'node:fs',
      'node:fs/promises',
      'node:child_process',
      'node:os',
      'execa',
      'pg',
      'mysql2',
      'mysql2/*',
      '@libsql/client',
      'commander',
      'chalk',
    ],
    why: 'core/ is pure: facts in, decisions out, no I/O.',
  }),
  ...layer('src/adapters/**', ['workflow', 'commands', 'cli', 'ui'], {
    why: 'adapters/ wrap one outside thing each (a process, git, a database, the file system) and know no command.',
  }),
  ...layer('src/workflow/**', ['commands', 'cli', 'ui'], {
    why: 'workflow/ holds the steps commands share; it does not know which command runs it.',
  }),
  ...layer('src/commands/**', ['cli', 'ui'], {
    why: 'commands return results; printing them is the CLI and ui/.',
  }),
  ...layer('src/ui/**', ['adapters', 'workflow', 'commands', 'cli'], {
    why: 'ui/ renders results it is given; it reads nothing itself.',
  }),
  ...layer('src/cli/**', ['commands', 'workflow', 'adapters/(?!exec)'], {
    why: 'cli/ loads a command only when it runs (dynamic import), so --help and status stay fast.',
  }),
  {
    // Plain JS run directly by node: the schema-engine stand-in, the bin shim, bench scripts.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // Tests read JSON documents printed by the CLI; typing every shape would only repeat src/.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'no-restricted-syntax': 'off',
    },
  },
);
