import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rule of eslint.config.js (docs/architecture.md), run through ESLint itself on
// made-up files: the files need not exist, lintText lints the text as if it were at filePath.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

interface Outcome {
  /** Messages of the layer rule. */
  layer: string[];
  /** Every other message, so that a pass is a real pass. */
  other: string[];
}

async function lintImport(file: string, from: string): Promise<Outcome> {
  const code = `import { thing } from '${from}';\n\nexport const used = thing;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const messages = result!.messages;
  return {
    layer: messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message),
    other: messages.filter((m) => m.ruleId !== 'no-restricted-imports').map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`),
  };
}

async function expectRefused(file: string, from: string, message: string): Promise<void> {
  const outcome = await lintImport(file, from);
  expect(outcome.other).toEqual([]);
  expect(outcome.layer).toEqual([expect.stringContaining(`'${from}' import is restricted`)]);
  expect(outcome.layer[0]).toContain(`${message}: imports go down the layers (docs/architecture.md).`);
}

async function expectAllowed(file: string, from: string): Promise<void> {
  expect(await lintImport(file, from)).toEqual({ layer: [], other: [] });
}

describe('the layer rule of eslint.config.js', () => {
  it('refuses an import from a higher layer', async () => {
    await expectRefused('src/topology/x.ts', '../cli/main.js', 'topology may not import from cli');
  });

  it('refuses imports between siblings of one rank, both ways', async () => {
    await expectRefused('src/cli/x.ts', '../server/x.js', 'cli may not import from server');
    await expectRefused('src/server/x.ts', '../cli/x.js', 'server may not import from cli');
  });

  it('lets the serve command start the daemon and nothing else of the server', async () => {
    await expectAllowed('src/cli/serve-command.ts', '../server/daemon.js');
    await expectRefused('src/cli/serve-command.ts', '../server/api.js', 'the serve command may import only server/daemon.js');
  });

  it('keeps kernel interfaces off the machines below the seam', async () => {
    await expectRefused('src/interfaces/parker/x.ts', '../../machines/sim/sim-machine.js', 'kernel interfaces may not import from machines');
  });

  it('lets apply use the interface seam but not a kernel interface', async () => {
    await expectRefused('src/apply/x.ts', '../interfaces/parker/x.js', 'apply may not import from kernel interfaces');
    await expectAllowed('src/apply/x.ts', '../interfaces/kernel-interface.js');
  });

  it('puts plan below validate', async () => {
    await expectAllowed('src/validate/x.ts', '../plan/x.js');
    await expectRefused('src/plan/x.ts', '../validate/x.js', 'plan may not import from validate');
  });
});
