// Writes docs/cli.md from the command specs (src/cli/command-specs.ts), through the built dist/:
// run it with `npm run docs:cli`, which builds first. `--check` writes nothing and exits 1 when
// docs/cli.md is not what the specs give.
import * as fs from 'node:fs';
import { renderCliDoc } from '../dist/cli/cli-doc.js';

const file = new URL('../docs/cli.md', import.meta.url);
const wanted = renderCliDoc();

if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== wanted) {
    process.stderr.write('docs/cli.md is out of date: run npm run docs:cli\n');
    process.exit(1);
  }
} else {
  fs.writeFileSync(file, wanted);
  process.stdout.write('wrote docs/cli.md\n');
}
