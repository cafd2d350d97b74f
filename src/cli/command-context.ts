/** What commands need from the process: where to print, and the clock. Tests pass their own. */
export interface CommandContext {
  out(text: string): void;
  err(text: string): void;
  version: string;
  now(): Date;
}
