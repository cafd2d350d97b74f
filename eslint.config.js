// Lint: typescript-eslint's recommended rules, plus the layer rule of docs/architecture.md:
// imports only go down the list below, so the house keeps its shape.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Layers from the bottom up. A file may import from its own layer and the ones before it. */
const LAYERS = [
  { name: 'units', files: ['src/units/**'] },
  { name: 'machine seam', files: ['src/machines/*.ts'] },
  { name: 'topology', files: ['src/topology/**'] },
  { name: 'spec', files: ['src/spec/**'] },
  { name: 'validate/plan', files: ['src/validate/**', 'src/plan/**'] },
  { name: 'apply', files: ['src/apply/**'] },
  { name: 'machines', files: ['src/machines/*/**'] },
  { name: 'server/cli', files: ['src/server/**', 'src/cli/**'] },
];

/** Import patterns (relative, from any depth) that reach a layer's directory. */
const PATTERNS = {
  units: ['**/units/**'],
  'machine seam': ['**/machines/*.js'],
  topology: ['**/topology/**'],
  spec: ['**/spec/**'],
  'validate/plan': ['**/validate/**', '**/plan/**'],
  apply: ['**/apply/**'],
  machines: ['**/machines/*/**'],
  'server/cli': ['**/server/**', '**/cli/**'],
};

const layerRules = LAYERS.map((layer, i) => ({
  files: layer.files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: LAYERS.slice(i + 1)
          .filter((upper) => upper.name !== 'machine seam' || layer.name !== 'machines')
          .map((upper) => ({
            group: PATTERNS[upper.name],
            message: `${layer.name} may not import from ${upper.name}: imports go down the layers (docs/architecture.md).`,
          })),
      },
    ],
  },
}));

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
);
