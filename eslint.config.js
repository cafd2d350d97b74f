// Lint: typescript-eslint's recommended rules, plus the layer rule of docs/architecture.md:
// imports only go down the list below, so the house keeps its shape.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Layers from the bottom up. A file may import from its own layer and the ones below it,
 * never from a layer above. Layers with the same `rank` are siblings that may not import each
 * other either (cli and server both sit over the service layer).
 */
const LAYERS = [
  { name: 'units', rank: 0, files: ['src/units/**'], patterns: ['**/units/**'] },
  { name: 'machine seam', rank: 1, files: ['src/machines/*.ts'], patterns: ['**/machines/*.js'] },
  { name: 'topology', rank: 2, files: ['src/topology/**'], patterns: ['**/topology/**'] },
  { name: 'topology tools', rank: 3, files: ['src/synthetic/**', 'src/snapshot/**', 'src/hwloc/**'], patterns: ['**/synthetic/**', '**/snapshot/**', '**/hwloc/**'] },
  { name: 'spec', rank: 4, files: ['src/spec/**'], patterns: ['**/spec/**'] },
  { name: 'plan', rank: 5, files: ['src/plan/**'], patterns: ['**/plan/**'] },
  { name: 'validate', rank: 6, files: ['src/validate/**'], patterns: ['**/validate/**'] },
  { name: 'interface seam', rank: 7, files: ['src/interfaces/*.ts'], patterns: ['**/interfaces/*.js'] },
  { name: 'apply', rank: 8, files: ['src/apply/**'], patterns: ['**/apply/**'] },
  { name: 'kernel interfaces', rank: 9, files: ['src/interfaces/*/**'], patterns: ['**/interfaces/*/**'] },
  { name: 'machines', rank: 10, files: ['src/machines/*/**'], patterns: ['**/machines/*/**'] },
  { name: 'service', rank: 11, files: ['src/service/**'], patterns: ['**/service/**'] },
  { name: 'cli', rank: 12, files: ['src/cli/**'], patterns: ['**/cli/**'] },
  { name: 'server', rank: 12, files: ['src/server/**'], patterns: ['**/server/**'] },
];

const layerRules = LAYERS.map((layer) => ({
  files: layer.files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: LAYERS.filter((other) => other.rank > layer.rank || (other.rank === layer.rank && other !== layer)).map((other) => ({
          group: other.patterns,
          message: `${layer.name} may not import from ${other.name}: imports go down the layers (docs/architecture.md).`,
        })),
      },
    ],
  },
}));

/**
 * The one door between the sibling front ends: `parker serve` (src/cli/serve-command.ts) parses
 * its flags and starts the daemon through src/server/daemon.js, and imports nothing else of it.
 */
const serveCommandRule = {
  files: ['src/cli/serve-command.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/server/**', '!**/server/daemon.js'],
            message: 'the serve command may import only server/daemon.js: imports go down the layers (docs/architecture.md).',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...layerRules,
  serveCommandRule,
  // Output is the same in every locale, and no command sets up ICU (about 6 ms the first time a
  // process calls localeCompare): strings are ordered by code units (src/units/compare-text.ts).
  {
    files: ['src/**/*.ts', 'bin/**/*.js'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'globalThis', property: 'Intl', message: "parker's output is the same in every locale, and Intl sets up ICU (milliseconds of every command)." },
        { property: 'localeCompare', message: 'use compareText (src/units/compare-text.ts): the same order in every locale, and no ICU collator to set up.' },
        ...['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString', 'toLocaleUpperCase', 'toLocaleLowerCase'].map((property) => ({ property, message: "parker's output is the same in every locale: format it yourself." })),
      ],
      'no-restricted-globals': ['error', { name: 'Intl', message: "parker's output is the same in every locale, and Intl sets up ICU (milliseconds of every command)." }],
    },
  },
  // The bin is CommonJS (bin/package.json): node starts a CommonJS entry sooner than an ES module.
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
