import { bunzip2, isBzip2 } from './bzip2.js';
import type { TarEntry } from './tar.js';

/**
 * What `--from` reads beside parker's own `gather` snapshots (.tar.gz, paths from the machine
 * root): hwloc-gather-topology archives, a .tar.bz2 holding one root directory (NAME/sys/...,
 * NAME/proc/...; hwloc-gather-topology leaves NAME.output beside it).
 */

/** The tar inside a bzip2 archive; other bytes are returned as they are. */
export function unpackBzip2(bytes: Uint8Array): Uint8Array {
  return isBzip2(bytes) ? bunzip2(bytes) : bytes;
}

/**
 * When `sys` is not at the top and everything sits under one directory that holds it, that
 * directory becomes the root (absolute link targets inside it are made relative to it).
 */
export function withoutRootDirectory(entries: TarEntry[]): TarEntry[] {
  const tops = new Set(entries.map((e) => e.path.split('/')[0]!));
  if (tops.has('sys') || tops.size !== 1) return entries;
  const top = [...tops][0]!;
  const prefix = `${top}/`;
  if (!entries.some((e) => e.path === `${top}/sys` || e.path.startsWith(`${top}/sys/`))) return entries;
  return entries
    .filter((e) => e.path.startsWith(prefix))
    .map((e) => ({ ...e, path: e.path.slice(prefix.length) }))
    .map((e) => (e.type === 'link' && e.target.startsWith(`/${prefix}`) ? { ...e, target: e.target.slice(prefix.length) } : e));
}
