/** What commands need from the process: where to print, and the clock. Tests pass their own. */
export interface CommandContext {
  out(text: string): void;
  err(text: string): void;
  version: string;
  now(): Date;
  /** Sets the exit status without stopping (for findings that are not errors of parker itself). */
  setExitCode(code: number): void;
  /** Whether stdout is a terminal (live progress, colours). */
  isTTY: boolean;
  /** Asks the user a yes/no question on the terminal; false when there is no terminal. */
  confirm(question: string): Promise<boolean>;
  /** --quiet: data and errors only; no progress, notes or success lines. */
  quiet?: boolean;
  /** --verbose: also the config files read, each step as it starts, and the cause of an error. */
  verbose?: boolean;
}

/** A note for people on stderr (what was written where, what did not change); --quiet drops it. */
export function note(ctx: CommandContext, text: string): void {
  if (!ctx.quiet) ctx.err(text);
}
