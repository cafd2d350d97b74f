import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { ParkerError } from '../units/parker-error.js';
import { errnoWords } from '../units/errno-words.js';
import { didYouMean } from '../spec/did-you-mean.js';

/**
 * Defaults a user or an administrator keeps in a file rather than typing every time:
 * /etc/parker/config.yaml, then the user's $XDG_CONFIG_HOME/parker/config.yaml (or
 * ~/.config/parker/config.yaml), each overriding the one before; $PARKER_CONFIG names one file
 * instead of both. Flags on the command line override them all.
 */
export interface ParkerConfig {
  /** --machine when no machine flag is given. */
  machine?: 'sim' | 'host';
  /** -o for commands that offer it. */
  output?: string;
  /** --state-dir. */
  'state-dir'?: string;
}

const KEYS = {
  machine: (v: unknown) => v === 'sim' || v === 'host',
  output: (v: unknown) => typeof v === 'string' && ['table', 'wide', 'json', 'yaml'].includes(v),
  'state-dir': (v: unknown) => typeof v === 'string' && v !== '',
} as const;
const MEANING: Record<keyof typeof KEYS, string> = { machine: 'sim or host', output: 'table, wide, json or yaml', 'state-dir': 'a directory' };

/** The config files to read, in order (later ones win). */
function configFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.PARKER_CONFIG) return [env.PARKER_CONFIG];
  const user = path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'parker', 'config.yaml');
  return ['/etc/parker/config.yaml', user];
}

const MAX_CONFIG_BYTES = 64 * 1024;

function readOne(file: string, required: boolean): ParkerConfig {
  let text: string;
  try {
    // Opened without blocking and checked through its descriptor: a FIFO is not waited on.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new ParkerError('E_CONFIG', `config file ${file} is not a regular file`, 'point PARKER_CONFIG at a YAML file, or remove it');
      if (stat.size > MAX_CONFIG_BYTES) throw new ParkerError('E_CONFIG', `config file ${file} is ${stat.size} bytes; a config holds a few lines`, 'fix the file');
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if (e instanceof ParkerError) throw e;
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ParkerError('E_CONFIG', `cannot read config file ${file}: ${errnoWords(e)}`, 'fix or remove the file');
  }
  // The YAML library only when there is a config file to read: start-up counts.
  const doc = (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parseDocument(text);
  if (doc.errors.length) throw new ParkerError('E_CONFIG', `config file ${file}: ${doc.errors[0]!.message.split('\n')[0]}`, 'fix the YAML');
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ParkerError('E_CONFIG', `config file ${file} must hold a mapping of settings`, `keys: ${Object.keys(KEYS).join(', ')}`);
  const config: ParkerConfig = {};
  for (const [key, value] of Object.entries(data)) {
    if (!(key in KEYS)) {
      const near = didYouMean(key, Object.keys(KEYS));
      throw new ParkerError('E_CONFIG', `config file ${file}: unknown setting "${key}"${near ? `; did you mean "${near}"?` : ''}`, `settings: ${Object.keys(KEYS).join(', ')}`);
    }
    const k = key as keyof typeof KEYS;
    if (!KEYS[k](value)) throw new ParkerError('E_CONFIG', `config file ${file}: ${key} is ${JSON.stringify(value)}, not ${MEANING[k]}`, 'fix the value');
    (config as Record<string, unknown>)[k] = value;
  }
  return config;
}

/** The merged settings of every config file that exists, with the files that set them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): { config: ParkerConfig; files: string[] } {
  const files = configFiles(env);
  const config: ParkerConfig = {};
  const used: string[] = [];
  for (const file of files) {
    const one = readOne(file, env.PARKER_CONFIG !== undefined);
    if (Object.keys(one).length) used.push(file);
    Object.assign(config, one);
  }
  return { config, files: used };
}
