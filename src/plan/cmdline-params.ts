/**
 * Kernel command lines as lists of key/value items, read the way the kernel reads them
 * (kernel/params.c next_arg): words split on white space except inside double quotes, the key
 * is everything before the first "=", quotes around the whole word or around the value are
 * dropped. "--" ends the kernel's parameters: what follows goes to init.
 */
export interface CmdlineItem {
  key: string;
  /** Value after "=", or null for a bare flag ("dis_ucode_ldr"). */
  value: string | null;
}

/** The word that hands the rest of the line to init. */
export const END_OF_KERNEL_PARAMS = '--';

export function parseCmdline(text: string): CmdlineItem[] {
  const items: CmdlineItem[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text[i]!)) i++;
    if (i >= text.length) break;
    let start = i;
    let inQuote = false;
    let quoted = false;
    if (text[i] === '"') {
      start = ++i;
      inQuote = true;
      quoted = true;
    }
    let equals = -1;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (isSpace(c) && !inQuote) break;
      if (equals < 0 && c === '=') equals = i;
      if (c === '"') inQuote = !inQuote;
    }
    let word = text.slice(start, i);
    if (quoted && word.endsWith('"')) word = word.slice(0, -1);
    if (equals < 0) {
      items.push({ key: word, value: null });
    } else {
      const key = text.slice(start, equals);
      let value = word.slice(equals - start + 1);
      if (value.startsWith('"')) value = value.endsWith('"') && value.length > 1 ? value.slice(1, -1) : value.slice(1);
      items.push({ key, value });
    }
  }
  return items;
}

/** True when a double quote is left open: the kernel would take the rest of the line as one word. */
export function hasUnbalancedQuote(text: string): boolean {
  return (text.match(/"/g)?.length ?? 0) % 2 === 1;
}

/** One word per item; a value with white space is quoted so the kernel reads it back whole. */
export function renderCmdline(items: readonly CmdlineItem[]): string {
  return items.map(renderItem).join(' ');
}

export function renderItem(item: CmdlineItem): string {
  if (item.value === null) return item.key;
  return /\s/.test(item.value) ? `${item.key}="${item.value}"` : `${item.key}=${item.value}`;
}

/** The kernel compares parameter names with "-" and "_" as the same character. */
export function sameKey(a: string, b: string): boolean {
  return normalizeKey(a) === normalizeKey(b);
}

export function normalizeKey(key: string): string {
  return key.includes('-') ? key.replaceAll('-', '_') : key;
}

/** The kernel's own parameters: the items before "--". */
export function kernelItems<T extends CmdlineItem>(params: readonly T[]): T[] {
  const end = params.findIndex(isEndOfKernelParams);
  return end < 0 ? [...params] : params.slice(0, end);
}

/** Every occurrence of `key`, in order (some parameters, such as mce= and rdt=, act on each one). */
export function lookupAll<T extends CmdlineItem>(params: readonly T[], key: string): T[] {
  const wanted = normalizeKey(key);
  const out: T[] = [];
  for (const p of params) {
    if (isEndOfKernelParams(p)) break;
    if (hasKey(p, wanted)) out.push(p);
  }
  return out;
}

/** The last occurrence of `key`: the one that wins for parameters that set a single value. */
export function lookup<T extends CmdlineItem>(params: readonly T[], key: string): T | undefined {
  // Rules look up many keys on many lines: one pass, no list built.
  const wanted = normalizeKey(key);
  let found: T | undefined;
  for (const p of params) {
    if (isEndOfKernelParams(p)) break;
    if (hasKey(p, wanted)) found = p;
  }
  return found;
}

/** The "--" that ends the kernel's parameters, as kernelItems finds it. */
function isEndOfKernelParams(item: CmdlineItem): boolean {
  return item.key === END_OF_KERNEL_PARAMS && item.value === null;
}

/** Whether an item's key is `normalized` (a key already through normalizeKey). */
function hasKey(item: CmdlineItem, normalized: string): boolean {
  // Normalizing keeps the length: most keys differ in it and need no normalizing.
  return item.key.length === normalized.length && normalizeKey(item.key) === normalized;
}

/** The value of the last `key=`, null for a bare flag, undefined when absent. */
export function lookupValue(params: readonly CmdlineItem[], key: string): string | null | undefined {
  return lookup(params, key)?.value;
}

export function hasParam(params: readonly CmdlineItem[], key: string): boolean {
  return lookup(params, key) !== undefined;
}

/**
 * How a parameter reads for comparing kernels: "(not set)", the bare key, or key=value of the
 * last occurrence. Two kernels agree on `key` when these are equal.
 */
export function describeSetting(params: readonly CmdlineItem[], key: string): string {
  const found = lookup(params, key);
  return found === undefined ? '(not set)' : renderItem({ key: normalizeKey(found.key), value: found.value });
}

/** The comma-separated options of every occurrence of `key`, in order ("rdt=!l3cat,!mba" -> ["!l3cat", "!mba"]). */
export function listOptions(params: readonly CmdlineItem[], key: string): string[] {
  return lookupAll(params, key).flatMap((p) => (p.value ?? '').split(',').filter((o) => o !== ''));
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}
