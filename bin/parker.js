#!/usr/bin/env node
// Runs the compiled CLI, bundled (scripts/bundle-cli.mjs): no TypeScript loader, few files to load.
import { readFileSync } from 'node:fs';

// `parker --version` alone is answered before the program loads: scripts call it to see
// whether (and which) parker is installed, and it needs nothing else.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}

const { main } = await import('../dist/bundle/main.js');

// `parker discover -o json | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
