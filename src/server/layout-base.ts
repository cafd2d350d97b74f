import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import { ParkerError } from '../units/parker-error.js';

/** A posted body's `base`: an absolute directory, or none. */
export function checkedBase(base: string | undefined): string | undefined {
  if (base === undefined) return undefined;
  if (!path.isAbsolute(base)) throw new ParkerError('E_REQUEST', `the body's base ${JSON.stringify(base)} is not an absolute directory`, 'send the absolute directory the layout file is in (parker api --layout FILE does), or leave base out');
  return path.normalize(base);
}

/**
 * A posted layout's relative `config:` paths made absolute against `base`, the directory the
 * client's file is in: the service reads them relative to the layout file, and a posted layout's
 * file lives in the daemon's upload directory. Each value is replaced where it stands, on its
 * line, so diagnostics keep their lines; a layout YAML cannot parse is left as it is (validation
 * reports it), and so is a value written as a block scalar.
 */
export function resolveConfigPaths(text: string, base: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length) return text;
  const kernels = isMap(doc.contents) ? doc.contents.get('kernels', true) : null;
  if (!isSeq(kernels)) return text;
  const edits: [number, number, string][] = [];
  for (const kernel of kernels.items) {
    if (!isMap(kernel)) continue;
    const node = kernel.get('config', true);
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range || path.isAbsolute(node.value) || node.value === '') continue;
    if (![Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE].includes(node.type as string)) continue;
    const [start, end] = node.range;
    if (text.slice(start, end).includes('\n')) continue;
    // A JSON string is a YAML double-quoted scalar.
    edits.push([start, end, JSON.stringify(path.resolve(base, node.value))]);
  }
  let out = text;
  for (const [start, end, value] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + value + out.slice(end);
  return out;
}
