// Writes docs/cli.md and man/parker.1 from the command specs (src/cli/command-specs.ts), through the built dist/:
// run it with `npm run docs:cli`, which builds first. `--check` writes nothing and exits 1 when
// docs/cli.md is not what the specs give.
import * as fs from 'node:fs';
import { renderCliDoc } from '../dist/cli/cli-doc.js';
import { renderManPage } from '../dist/cli/man-page.js';

const outputs = [
  ['docs/cli.md', renderCliDoc()],
  ['man/parker.1', renderManPage()],
];

for (const [name, wanted] of outputs) {
  const file = new URL(`../${name}`, import.meta.url);
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== wanted) {
      process.stderr.write(`${name} is out of date: run npm run docs:cli\n`);
      process.exitCode = 1;
    }
  } else {
    fs.mkdirSync(new URL('.', file), { recursive: true });
    fs.writeFileSync(file, wanted);
    process.stdout.write(`wrote ${name}\n`);
  }
}
