import { ParkerError } from './parker-error.js';

/**
 * A partition name as it can name a directory of the control filesystem (and of parker's
 * records of it): one path component. A name from a request or a command line that is not one
 * ("../../etc", "a/b", a NUL) names no partition: it must never reach a path.
 */
export function isPartitionName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\0]/.test(name);
}

/** `name`, or E_NOT_FOUND when it cannot name a partition (isPartitionName). */
export function partitionName(name: string): string {
  if (!isPartitionName(name)) throw new ParkerError('E_NOT_FOUND', `no partition named ${JSON.stringify(name)}`, 'a partition name is one path component; see parker status');
  return name;
}
