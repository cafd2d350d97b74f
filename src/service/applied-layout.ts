import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { errnoWords } from '../units/errno-words.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import { replaceOwnFile } from '../machines/own-files.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';

/**
 * The last layout applied to a machine, kept in the state directory: start, stop, console and
 * status need each kernel's image, command line and stop command after apply has exited.
 */
export interface AppliedLayout {
  format: 'parker.applied/v1';
  /** The layout file as it was named (or the saved plan's layout file). */
  file: string;
  /** The layout file's absolute path when it was applied, for `apply --applied` (absent from older records and saved plans). */
  source?: string;
  machine: string;
  appliedAt: string;
  layout: ResolvedLayout;
  /** The layout's text as it was applied, for `apply --applied` (absent from older records and saved plans). */
  text?: string;
}

const fileOf = (stateDir: string) => path.join(stateDir, 'applied.json');

export function saveApplied(stateDir: string, applied: AppliedLayout): void {
  fs.mkdirSync(stateDir, { recursive: true });
  replaceOwnFile(fileOf(stateDir), `${fileOf(stateDir)}.tmp`, JSON.stringify(applied, null, 2) + '\n', { durable: true });
}

/** Why parsed applied.json content is not what saveApplied writes; null when it is. */
function appliedProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `it holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not an applied layout`;
  const a = value as Record<string, unknown>;
  if (a.format !== 'parker.applied/v1') return 'its format is not parker.applied/v1';
  if (typeof a.file !== 'string' || typeof a.machine !== 'string' || typeof a.appliedAt !== 'string') return 'it lacks the file, machine or time it was applied';
  if (a.source !== undefined && typeof a.source !== 'string') return 'its source is not a path';
  if (a.text !== undefined && typeof a.text !== 'string') return 'its layout text is not text';
  return resolvedLayoutProblem(a.layout);
}

/**
 * Why a resolved layout read back from a file (applied.json, a saved plan) is not one parker
 * wrote: what start, stop, status and the next apply take from it; null when it is one.
 */
export function resolvedLayoutProblem(value: unknown): string | null {
  const layout = value as Record<string, unknown> | null | undefined;
  if (typeof layout !== 'object' || layout === null) return 'it has no layout';
  const spec = layout.spec as Record<string, unknown> | null | undefined;
  const placement = layout.placement as Record<string, unknown> | null | undefined;
  if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.kernels)) return 'its layout has no kernels';
  if (typeof placement !== 'object' || placement === null || !Array.isArray(placement.kernels)) return 'its layout has no placement';
  if (!Array.isArray(layout.cmdlines)) return 'its layout has no command lines';
  for (const k of [...(spec.kernels as unknown[]), ...(placement.kernels as unknown[])]) {
    if (typeof k !== 'object' || k === null || typeof (k as { name?: unknown }).name !== 'string') return 'a kernel of its layout has no name';
  }
  return null;
}

/**
 * The files the applied layout names (as applied, and where it was), whatever machine it was
 * applied to; none when there is no applied layout or it cannot be read. Nothing is refused
 * here: the daemon only keeps those files when it prunes its uploads.
 */
export function appliedFiles(stateDir: string): string[] {
  try {
    const applied = readApplied(stateDir);
    if (applied === null) return [];
    return applied.source === undefined ? [applied.file] : [applied.file, applied.source];
  } catch {
    return [];
  }
}

/**
 * The layout applied to `machine`, or null when none was (no file, or one applied to another
 * machine). A damaged applied.json is refused (E_STATE_CORRUPT), never read as "none applied":
 * stop and destroy would then not know the kernels' stop commands.
 */
export function loadApplied(stateDir: string, machine: string): AppliedLayout | null {
  const applied = readApplied(stateDir);
  return applied?.machine === machine ? applied : null;
}

/** applied.json as saveApplied wrote it, whatever machine it names; null when there is none; E_STATE_CORRUPT when damaged. */
function readApplied(stateDir: string): AppliedLayout | null {
  const file = fileOf(stateDir);
  // apply reads it too (the stop commands of kernels it removes): it goes aside first.
  const fix = `nothing was changed. Move it aside (mv ${file} ${file}.damaged), then apply the layout again (parker apply LAYOUT): it is written anew`;
  let text: string;
  try {
    text = readBoundedFile(file, READ_LIMITS.stateFile, 'applied layout').toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (e instanceof ParkerError) throw new ParkerError('E_STATE_CORRUPT', `the applied layout ${file} is damaged: ${e.message}`, fix);
    throw new ParkerError('E_STATE_CORRUPT', `the applied layout ${file} cannot be read: ${errnoWords(e)}`, fix);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ParkerError('E_STATE_CORRUPT', `the applied layout ${file} is damaged: it is not JSON (${(e as Error).message})`, fix);
  }
  const problem = appliedProblem(data);
  if (problem) throw new ParkerError('E_STATE_CORRUPT', `the applied layout ${file} is damaged: ${problem}`, fix);
  return data as AppliedLayout;
}

export function forgetApplied(stateDir: string): void {
  fs.rmSync(fileOf(stateDir), { force: true });
}
