import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ParkerError } from '../units/parker-error.js';

/**
 * A worker module of this folder, compiled: beside this module, or (when this module runs from
 * TypeScript sources in tests) in dist/server/.
 */
export function workerUrl(name: 'write-worker' | 'read-worker'): URL {
  const here = import.meta.url;
  if (here.endsWith('.cjs')) return new URL(`./${name}.cjs`, here);
  if (here.endsWith('.js')) return new URL(`./${name}.js`, here);
  const built = new URL(`../../dist/server/${name}.js`, here);
  if (!fs.existsSync(fileURLToPath(built))) throw new ParkerError('E_INTERNAL', `the worker ${fileURLToPath(built)} is not built`, 'run npm run build');
  return built;
}
