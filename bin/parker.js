#!/usr/bin/env node
// Runs the compiled CLI, bundled (scripts/bundle-cli.mjs): no TypeScript loader, few files to load.
import { main } from '../dist/bundle/main.js';

// `parker discover -o json | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
