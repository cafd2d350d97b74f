import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** 1-based line and column, as editors and compilers print them. */
export interface SourcePosition {
  line: number;
  col: number;
}

export interface SourceLocation extends SourcePosition {
  file: string;
}

/** Maps a path into the spec (["kernels", 1, "cpus"]) to where it is written. */
export type Locate = (path: readonly (string | number)[]) => SourceLocation;

/**
 * A path that names a mapping key points at the key (where people look for it); a sequence
 * index points at the item. A path that goes further than the file does (a missing key, a
 * default) stops at the deepest part that exists, so a missing key is reported at its parent.
 */
export function sourceLocator(doc: Document, lineCounter: LineCounter, file: string): Locate {
  const position = (offset: number): SourceLocation => ({ file, ...positionOf(lineCounter, offset) });
  return (path) => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        const keyStart = rangeStart(pair?.key);
        if (pair === undefined || keyStart === undefined) break;
        offset = keyStart;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        const itemStart = rangeStart(item);
        if (itemStart === undefined) break;
        offset = itemStart;
        node = item;
      } else {
        break;
      }
    }
    return position(offset);
  };
}

/** Offset in the text -> line and column. */
export function positionOf(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  // Before any line start is recorded (an empty text) everything is line 1.
  return line === 0 ? { line: 1, col: offset + 1 } : { line, col };
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}
