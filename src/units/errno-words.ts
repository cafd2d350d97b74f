/** What an operating-system error means, in words a user reads ("no such file"), for messages that name a path. */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'it exists already',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EBUSY: 'busy',
  EINVAL: 'invalid argument',
};

export function errnoWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code && WORDS[code]) return WORDS[code];
  return code ?? (error instanceof Error ? error.message : 'unreadable');
}
