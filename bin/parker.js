#!/usr/bin/env node
// Runs the compiled CLI: no TypeScript loader at start-up.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
