import { ParkerError } from '../units/parker-error.js';

/**
 * Reading hwloc XML (what `lstopo --of xml` writes, v2 and the v1 of hwloc 1.x): a small XML
 * reader for the subset hwloc writes (elements, attributes, text, the five entities and
 * numeric references; no CDATA, no namespaces), and the object tree with cpusets decoded.
 */

export interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
    return ENTITIES[ref] ?? whole;
  });
}

function xmlError(name: string, why: string): ParkerError {
  return new ParkerError('E_SNAPSHOT', `${name} is not readable hwloc XML: ${why}`, 'pass the output of `lstopo --of xml FILE` (or `lstopo FILE.xml`)');
}

/** Parses an XML document into its root element. `name` is how the user named the file. */
export function parseXml(text: string, name: string): XmlElement {
  const stack: XmlElement[] = [{ name: '#document', attrs: new Map(), children: [], text: '' }];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  const attr = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const chunk = lt === -1 ? text.slice(at) : text.slice(at, lt);
    if (chunk.trim() !== '') stack[stack.length - 1]!.text += decodeEntities(chunk);
    if (lt === -1) break;
    if (text.startsWith('<?', lt) || text.startsWith('<!DOCTYPE', lt)) {
      const end = text.indexOf('>', lt);
      if (end === -1) throw xmlError(name, `unterminated declaration at byte ${lt}`);
      at = end + 1;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end === -1) throw xmlError(name, `unterminated comment at byte ${lt}`);
      at = end + 3;
      continue;
    }
    tag.lastIndex = lt;
    const m = tag.exec(text);
    if (m === null) throw xmlError(name, `malformed tag at byte ${lt}`);
    at = tag.lastIndex;
    const [, closing, tagName, rawAttrs, selfClosing] = m;
    if (closing) {
      const open = stack.pop()!;
      if (open.name !== tagName || stack.length === 0) throw xmlError(name, `</${tagName}> closes <${open.name}>`);
      continue;
    }
    const element: XmlElement = { name: tagName!, attrs: new Map(), children: [], text: '' };
    for (const a of rawAttrs!.matchAll(attr)) element.attrs.set(a[1]!, decodeEntities(a[2] ?? a[3] ?? ''));
    stack[stack.length - 1]!.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw xmlError(name, `<${stack[stack.length - 1]!.name}> is never closed`);
  const root = stack[0]!.children[0];
  if (root === undefined) throw xmlError(name, 'no element');
  return root;
}

/** A set of ids in hwloc's bitmap syntax ("0x00000003", "0x00000001,,0x0", "0xf...f,0xffffffff" for infinite). */
export function parseHwlocBitmap(text: string): number[] {
  const words = text.trim().split(',');
  const ids: number[] = [];
  words.reverse().forEach((word, w) => {
    const hexText = word.replace(/^0x/, '');
    if (hexText === '' || /^0+$/.test(hexText)) return;
    // "0xf...f" as the top word means "and every higher bit": the finite part is enough here.
    if (hexText === 'f...f') return;
    const value = parseInt(hexText, 16);
    for (let bit = 0; bit < 32; bit++) if ((value >>> bit) & 1) ids.push(w * 32 + bit);
  });
  return ids.sort((a, b) => a - b);
}

/** One `<object>` of hwloc XML with the attributes parker uses decoded. */
export interface HwlocNode {
  /** hwloc v2 type ("Package", "L3Cache", "NUMANode"); v1's "Cache" becomes "L<depth>Cache". */
  type: string;
  osIndex: number | null;
  cpuset: number[];
  completeCpuset: number[] | null;
  attrs: Map<string, string>;
  infos: Map<string, string>;
  children: HwlocNode[];
  parent: HwlocNode | null;
}

export interface HwlocDocument {
  root: HwlocNode;
  /** The NUMA latency matrix (os indexes and values row by row), when the file has one. */
  distances: { nodes: number[]; values: number[] } | null;
  /** Major version of the format: 1 (hwloc 1.x) or 2. */
  version: number;
}

const V1_CACHE_TYPES: Record<string, string> = { '0': '', '1': '', '2': 'i' };

function hwlocNode(element: XmlElement, parent: HwlocNode | null): HwlocNode {
  let type = element.attrs.get('type') ?? '';
  if (type === 'Cache') type = `L${element.attrs.get('depth') ?? '?'}${V1_CACHE_TYPES[element.attrs.get('cache_type') ?? '0'] ?? ''}Cache`;
  else if (type === 'Socket') type = 'Package';
  else if (type === 'System') type = 'Machine';
  const os = element.attrs.get('os_index');
  const cpuset = element.attrs.get('cpuset');
  const complete = element.attrs.get('complete_cpuset');
  const node: HwlocNode = {
    type,
    osIndex: os === undefined ? null : Number(os),
    cpuset: cpuset === undefined ? [] : parseHwlocBitmap(cpuset),
    completeCpuset: complete === undefined ? null : parseHwlocBitmap(complete),
    attrs: element.attrs,
    infos: new Map(),
    children: [],
    parent,
  };
  for (const child of element.children) {
    if (child.name === 'info') node.infos.set(child.attrs.get('name') ?? '', child.attrs.get('value') ?? '');
    else if (child.name === 'object') node.children.push(hwlocNode(child, node));
  }
  return node;
}

/** Parses hwloc XML into its object tree. */
export function parseHwlocXml(text: string, name: string): HwlocDocument {
  const top = parseXml(text, name);
  if (top.name !== 'topology') throw xmlError(name, `the root element is <${top.name}>, not <topology>`);
  const rootElement = top.children.find((c) => c.name === 'object');
  if (rootElement === undefined) throw xmlError(name, 'no root object');
  const version = Number((top.attrs.get('version') ?? '1').split('.')[0]) || 1;
  const root = hwlocNode(rootElement, null);
  return { root, distances: readDistances(top, root), version };
}

function readDistances(top: XmlElement, root: HwlocNode): HwlocDocument['distances'] {
  for (const d of top.children) {
    // v2: <distances2 type="NUMANode" indexing="os"><indexes>0 1</indexes><u64values>10 21 21 10</u64values>
    if (d.name === 'distances2' && d.attrs.get('type') === 'NUMANode') {
      const numbers = (tagName: string) =>
        d.children
          .filter((c) => c.name === tagName)
          .flatMap((c) => c.text.trim().split(/\s+/))
          .filter((w) => w !== '')
          .map(Number);
      const indexes = numbers('indexes');
      const values = numbers('u64values');
      if (indexes.length > 0 && values.length === indexes.length * indexes.length) {
        const nodes = d.attrs.get('indexing') === 'gp' ? indexes.map((gp) => osOfGp(root, gp)) : indexes;
        if (nodes.every((n): n is number => n !== null)) return { nodes, values };
      }
    }
  }
  // v1: <distances nbobjs="2" relative_depth="1" latency_base="10"><latency value="1"/>...</distances> in the root object
  const v1 = top.children.find((c) => c.name === 'object')?.children.find((c) => c.name === 'distances');
  if (v1 !== undefined) {
    const base = Number(v1.attrs.get('latency_base') ?? '1');
    const values = v1.children.filter((c) => c.name === 'latency').map((c) => Math.round(Number(c.attrs.get('value')) * base));
    const nodes = allOf(root, 'NUMANode').map((n) => n.osIndex!);
    if (values.length === nodes.length * nodes.length) return { nodes, values };
  }
  return null;
}

function osOfGp(root: HwlocNode, gp: number): number | null {
  const found = allOf(root, 'NUMANode').find((n) => Number(n.attrs.get('gp_index')) === gp);
  return found?.osIndex ?? null;
}

/** Every object of a type, in document order. */
export function allOf(root: HwlocNode, type: string | ((type: string) => boolean)): HwlocNode[] {
  const match = typeof type === 'string' ? (t: string) => t === type : type;
  const out: HwlocNode[] = [];
  const walk = (node: HwlocNode) => {
    if (match(node.type)) out.push(node);
    node.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** The nearest ancestor of a type, or null. */
export function ancestorOf(node: HwlocNode, type: string): HwlocNode | null {
  for (let p = node.parent; p !== null; p = p.parent) if (p.type === type) return p;
  return null;
}

/**
 * The NUMA node local to a PU: the first NUMANode among the memory children of its nearest
 * ancestor that has any (v2, where nodes with CPUs come first), or its NUMANode ancestor (v1).
 */
export function localNodeOf(pu: HwlocNode): HwlocNode | null {
  for (let p = pu.parent; p !== null; p = p.parent) {
    if (p.type === 'NUMANode') return p;
    const node = p.children.find((c) => c.type === 'NUMANode');
    if (node !== undefined) return node;
  }
  return null;
}
