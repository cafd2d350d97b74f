// Writes docs/errors.md from the error-code table (src/units/error-codes.ts), through the built
// dist/: run it with `npm run docs:errors`, which builds first. `--check` writes nothing and
// exits 1 when docs/errors.md is not what the table gives.
import * as fs from 'node:fs';
import { renderErrorsDoc } from '../dist/units/error-codes-doc.js';

const file = new URL('../docs/errors.md', import.meta.url);
const wanted = renderErrorsDoc();

if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== wanted) {
    process.stderr.write('docs/errors.md is out of date: run npm run docs:errors\n');
    process.exit(1);
  }
} else {
  fs.writeFileSync(file, wanted);
  process.stdout.write('wrote docs/errors.md\n');
}
