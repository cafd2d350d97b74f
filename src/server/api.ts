import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ParkerError } from '../units/parker-error.js';
import type { Machine } from '../machines/machine.js';
import { discover } from '../topology/discover.js';
import { Journal } from '../apply/journal.js';
import { openMachine } from '../service/open-machine.js';
import type { MachineChoice } from '../service/machine-choice.js';
import { kernelStatusOf } from '../service/status.js';
import { validateLayout, type ValidateReport } from '../service/validate.js';
import { appliedFiles, loadApplied } from '../service/applied-layout.js';
import { planLayout, planReport } from '../service/plan.js';
import { savedPlanOf } from '../service/saved-plan.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import { noPartition, readConsole } from '../service/console.js';
import { errorBody, httpStatusOf } from './http-errors.js';
import { checkedBase, resolveConfigPaths } from './layout-base.js';
import { sameToken } from './token.js';
import { readToken, tokenFile } from '../service/daemon-files.js';
import { HUB_EVENT_TYPES, type EventHub, type HubEvent } from './event-hub.js';
import type { Metrics } from './metrics.js';
import { statusJsonOf, statusOfRead, type MachineRead, type StatusReader } from './status-reader.js';
import type { Transactions } from './transactions.js';
import type { WriteOp } from './write-ops.js';

export const API_SCHEMA = 'parker.api/v1';
/**
 * The dashboard file a request path names inside `dir`, or null (then index.html answers): a
 * path that does not decode, or that leads out of `dir` once decoded ("%2e%2e/"), names none.
 */
function webFile(dir: string, requestPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  const root = path.resolve(dir);
  const wanted = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  if (!wanted.startsWith(root + path.sep)) return null;
  try {
    return fs.statSync(wanted).isFile() ? wanted : null;
  } catch {
    return null;
  }
}

export const DEFAULT_MAX_BODY = 1024 * 1024;

export interface ApiDeps {
  machine: MachineChoice;
  stateDir: string;
  token: string;
  hub: EventHub;
  metrics: Metrics;
  transactions: Transactions;
  /** The machine as last read by the daemon's reader thread: status and /metrics answer from it. */
  reader: StatusReader;
  maxBody?: number;
  version: string;
  /** One structured line per request (and the daemon's other notes). */
  log: (line: Record<string, unknown>) => void;
  /** The built dashboard (index.html and assets); null to serve none. */
  webDir?: string | null;
  /**
   * Listening on a loopback TCP address: requests must name a loopback host (Host header), so
   * that a web page whose name an attacker rebinds to 127.0.0.1 cannot read the machine.
   */
  loopbackHostsOnly?: boolean;
}

/** Host header values of requests addressed to this computer's loopback: localhost, 127.0.0.1, [::1], with any port. */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = /^\[([^\]]+)\](?::\d+)?$/.exec(host)?.[1] ?? host.replace(/:\d+$/, '');
  return /^(localhost|[a-z0-9-]+\.localhost|127(\.\d{1,3}){3}|::1)$/i.test(name);
}

const NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a file name of letters, digits, ".", "_" and "-"');
/** The directory the client's layout file is in: its relative `config:` paths resolve against it. */
const BASE = z.string().min(1);
const LAYOUT_BODY = z.strictObject({ layout: z.string().min(1, 'the layout is empty'), name: NAME.optional(), base: BASE.optional() });
/** POST /plan also takes `save`: the answer then carries the plan as `plan --out` saves it, to apply exactly. */
const PLAN_BODY = LAYOUT_BODY.extend({ save: z.boolean().optional() });
const APPLY_BODY = z.union([
  z.strictObject({ layout: z.string().min(1, 'the layout is empty'), name: NAME.optional(), base: BASE.optional(), dryRun: z.boolean().optional() }),
  z.strictObject({ plan: z.looseObject({ schema: z.literal('parker.saved-plan/v1') }), dryRun: z.boolean().optional() }),
]);
const KERNEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DESTROY_BODY = z.union([z.strictObject({ name: z.string().regex(KERNEL, 'a kernel name') }), z.strictObject({ all: z.literal(true) })]);
/** Events kept for one event-stream client that is not reading (a tenth of a 255-kernel apply's). */
const MAX_QUEUED_EVENTS = 1000;

/** The built dashboard shipped with the package: web/dist beside src/ and dist/. */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../web/dist/', import.meta.url));
}

function fail(code: 'E_REQUEST' | 'E_NOT_FOUND', message: string, hint: string): never {
  throw new ParkerError(code, message, hint);
}

/** 405 for a path asked with a method it does not take, naming the ones it does (Allow). */
function methodNotAllowed(c: Context, where: string, allowed: readonly string[]) {
  return c.json(errorBody(new ParkerError('E_METHOD', `${c.req.method} is not a method of ${where}`, `use ${allowed.join(' or ')}`)), 405, { allow: allowed.join(', ') });
}

/** The request body: JSON (checked against `schema`), or a layout sent as YAML text. */
async function bodyOf<T>(c: Context, schema: z.ZodType<T>, shape?: string): Promise<T> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  let data: unknown;
  if (/yaml/i.test(type)) data = { layout: text };
  else {
    if (!/json/i.test(type) && text.trimStart()[0] !== '{') fail('E_REQUEST', `the body must be JSON (Content-Type: application/json) or YAML (Content-Type: application/yaml), not ${type || 'untyped'}`, 'see docs/server.md');
    try {
      data = JSON.parse(text);
    } catch (e) {
      fail('E_REQUEST', `the body is not JSON: ${(e as Error).message}`, 'send a JSON object, see docs/server.md');
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) fail('E_REQUEST', `the body does not match the route's schema: ${issueWords(parsed.error.issues[0]!, shape)}`, 'see docs/server.md for the body of each route');
  return parsed.data;
}

/** A query parameter that must be a whole number of at least `min` (1 by default); undefined when absent, else E_REQUEST. */
function countQuery(c: Context, name: string, min = 1): number | undefined {
  const text = c.req.query(name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) fail('E_REQUEST', `${name}: ${JSON.stringify(text)} is not a whole number${min > 0 ? ` of at least ${min}` : ''}`, `e.g. ${name}=${min > 0 ? 20 : 0}`);
  return Number(text);
}

type Issue = z.ZodError['issues'][number];

/**
 * One problem of a body, naming its field. A body that fits none of a route's forms is told by
 * the form it came closest to (the one with fewest problems), or by the forms (`shape`) when
 * none is closer.
 */
function issueWords(issue: Issue, shape?: string): string {
  if (issue.code === 'invalid_union') {
    const branches = [...(issue.errors as Issue[][])].sort((a, b) => a.length - b.length);
    if (branches.length > 1 && branches[0]!.length > 0 && branches[0]!.length < branches[1]!.length) return issueWords(branches[0]![0]!, shape);
    if (shape) return `it must be ${shape}`;
  }
  return `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
}

/** Writes a posted layout to a file of its own (the service reads files); diagnostics then name `name`. */
function writeUpload(dir: string, name: string | undefined, text: string): { file: string; dir: string } {
  const where = path.join(dir, randomUUID());
  fs.mkdirSync(where, { recursive: true, mode: 0o700 });
  const file = path.join(where, name ?? 'layout.yaml');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return { file, dir: where };
}

/** How long a posted layout is kept unless it is the applied one: a plan answered with `save` may be applied within it. */
export const UPLOAD_KEEP_MS = 24 * 3600 * 1000;

/**
 * Removes the uploads older than UPLOAD_KEEP_MS, except the directory of the applied layout
 * (start, stop and `apply --applied` read it): every apply and every plan with `save` writes
 * one, and a daemon runs for months.
 */
export function pruneUploads(stateDir: string): void {
  const uploads = path.join(stateDir, 'uploads');
  // No applied layout, or one that cannot be read: then nothing is kept for it, and nothing else changes.
  const keep = appliedFiles(stateDir).find((f) => f.startsWith(uploads + path.sep))?.slice(uploads.length + 1).split(path.sep)[0] ?? null;
  removeOlderThan(uploads, UPLOAD_KEEP_MS, keep);
  // What a daemon killed in the middle of a request left in scratch space.
  removeOlderThan(path.join(stateDir, 'scratch'), UPLOAD_KEEP_MS, null);
}

/** Removes the directories in `parent` last changed more than `ms` ago, but `keep`. */
function removeOlderThan(parent: string, ms: number, keep: string | null): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(parent, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const dir = path.join(parent, entry.name);
    try {
      if (Date.now() - fs.lstatSync(dir).mtimeMs > ms) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone meanwhile.
    }
  }
}

/** A posted layout written as writeUpload does, its relative config: paths made absolute against `base` first. */
function writeLayoutUpload(dir: string, body: { layout: string; name?: string | undefined; base?: string | undefined }): { file: string; dir: string } {
  const base = checkedBase(body.base);
  return writeUpload(dir, body.name, base ? resolveConfigPaths(body.layout, base) : body.layout);
}

/** Replaces the upload's directory in a report by nothing: the client sees its own file name. */
function withoutDir<T>(report: T, dir: string): T {
  return JSON.parse(JSON.stringify(report).split(`${dir}/`).join('')) as T;
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon' };

export function createApi(deps: ApiDeps): Hono {
  const app = new Hono({ strict: false });
  const { hub, metrics, transactions, stateDir } = deps;
  const uploads = path.join(stateDir, 'uploads');
  /** Whether `file` is a path inside this daemon's uploads (what a plan saved here names). */
  const inUploads = (file: unknown): boolean => typeof file === 'string' && path.isAbsolute(file) && path.resolve(file).startsWith(uploads + path.sep) && path.resolve(file) === file;
  const open = (): Machine => openMachine(deps.machine);
  const withMachine = <T>(read: (m: Machine) => T): T => {
    const m = open();
    try {
      return read(m);
    } finally {
      m.close?.();
    }
  };
  const maxBody = deps.maxBody ?? DEFAULT_MAX_BODY;
  // Posted layouts that are only read (validate, plan): in the state directory, which is the
  // daemon's own (0700), each in a directory of its own removed after its request.
  const scratch = path.join(stateDir, 'scratch');

  // One structured log line per request.
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    const status = c.res.status;
    metrics.requestServed(status);
    deps.log({ level: status >= 500 ? 'error' : 'info', msg: 'request', method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - t0) * 100) / 100, ...(c.get('txn' as never) ? { txn: c.get('txn' as never) } : {}) });
  });

  if (deps.loopbackHostsOnly) {
    app.use('*', async (c, next) => {
      const host = c.req.header('host');
      if (!isLoopbackHost(host)) {
        return c.json(errorBody(new ParkerError('E_FORBIDDEN', `requests to this daemon must be addressed to its loopback address, not ${JSON.stringify(host ?? '')}`, 'use http://127.0.0.1:PORT/ or http://localhost:PORT/ (a name that resolves to 127.0.0.1 is not enough: that is how a web page would reach the daemon)')), 403);
      }
      await next();
    });
  }

  app.onError((error, c) => {
    // A client that went away before its body ended (node's "aborted"): its doing, not a fault of the daemon's.
    const aborted = (error as NodeJS.ErrnoException)?.code === 'ECONNRESET' || (error as Error)?.message === 'aborted';
    const body = errorBody(aborted ? new ParkerError('E_REQUEST', 'the request ended before its body did', 'send the whole body') : error);
    if (body.error.code === 'E_INTERNAL') deps.log({ level: 'error', msg: 'internal error', error: String((error as Error)?.stack ?? error) });
    return c.json(body, body.error.status as 500);
  });

  const api = new Hono({ strict: false });
  const limit = bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json(errorBody(new ParkerError('E_BODY_TOO_LARGE', `the body is larger than ${maxBody} bytes`, 'send a smaller layout, or start the daemon with a larger --max-body')), 413),
  });
  // Only requests that may carry a body: the limit reads the body's stream, which makes the
  // node adapter build a whole fetch Request (a fifth of a status request's time under load).
  api.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next)));

  // Anything that changes state needs the bearer token: none is 401, a wrong one 403.
  /** Throws E_UNAUTHORIZED without a bearer token, E_FORBIDDEN with another than this daemon's. */
  const requireToken = (c: Context): void => {
    const header = c.req.header('authorization');
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new ParkerError('E_UNAUTHORIZED', `${c.req.method} ${c.req.path} changes state and needs a bearer token`, `send Authorization: Bearer TOKEN (the token is in ${tokenFile(stateDir)})`);
    // The file as it is now: a token made anew (the file removed, then serve --show-token) takes
    // effect without a restart. Without the file (removed to revoke the token, or emptied) no
    // token is in force: the one the daemon started with must not come back.
    const current = readToken(stateDir);
    if (current === null) throw new ParkerError('E_FORBIDDEN', `this daemon has no token in force: ${tokenFile(stateDir)} is gone or empty`, 'make one: parker serve --show-token (the running daemon takes it at its next write)');
    if (!sameToken(m[1]!, current)) throw new ParkerError('E_FORBIDDEN', 'the bearer token is not this daemon\'s', `read it again from ${tokenFile(stateDir)}`);
  };
  const authorised = async (c: Context, next: () => Promise<void>) => {
    requireToken(c);
    await next();
  };

  api.get('/', (c) =>
    c.json({
      schema: API_SCHEMA,
      version: deps.version,
      machine: deps.machine,
      stateDir,
      routes: [
        'GET /api/v1/topology',
        'GET /api/v1/status',
        'GET /api/v1/status/:name',
        'POST /api/v1/validate',
        'GET /api/v1/validate/applied',
        'POST /api/v1/plan',
        'GET /api/v1/console/:name',
        'GET /api/v1/journal',
        'GET /api/v1/events',
        'GET /api/v1/transactions',
        'GET /api/v1/transactions/:id',
        'POST /api/v1/apply (token)',
        'POST /api/v1/kernels/:name/start (token)',
        'POST /api/v1/kernels/:name/stop (token)',
        'POST /api/v1/destroy (token)',
        'POST /api/v1/recover (token)',
        'GET /metrics',
      ],
    }),
  );

  api.get('/topology', (c) => c.json(withMachine((m) => discover(m))));
  // From the last read (at most a poll old, and never older than the end of the daemon's last
  // write): the status document is kept as JSON text, and only the daemon's part is added.
  api.get('/status', async (c) => {
    const read = await deps.reader.current();
    const json = statusJsonOf(read);
    const daemon = { transaction: transactions.current(), readAt: read.at, cma: read.cma, boots: metrics.lastBoots() };
    return c.body(`${json.slice(0, -1)},"daemon":${JSON.stringify(daemon)}}`, 200, { 'content-type': 'application/json' });
  });
  api.get('/status/:name', (c) => {
    const tail = Math.min(countQuery(c, 'tail') ?? 20, 1000);
    return c.json(withMachine((m) => kernelStatusOf(m, stateDir, c.req.param('name'), tail)));
  });

  /** Runs `run` on a posted layout written under `dir`; the upload is removed after, unless `keep` says the result needs it. */
  const withUpload = <T>(dir: string, body: z.infer<typeof LAYOUT_BODY>, run: (upload: { file: string; dir: string }) => T, keep: (result: T) => boolean = () => false): T => {
    const upload = writeLayoutUpload(dir, body);
    let kept = false;
    try {
      const result = run(upload);
      kept = keep(result);
      return result;
    } catch (e) {
      // An error names the upload as the answers do: without the daemon's directory.
      if (e instanceof ParkerError) throw new ParkerError(e.code, e.message.split(`${upload.dir}/`).join(''), e.hint?.split(`${upload.dir}/`).join(''));
      throw e;
    } finally {
      if (!kept) fs.rmSync(upload.dir, { recursive: true, force: true });
    }
  };
  /** A posted layout read in scratch space, the answer naming it without its directory. */
  const readOnlyLayout = <T>(body: z.infer<typeof LAYOUT_BODY>, run: (file: string) => T): T => withUpload(scratch, body, (upload) => withoutDir(run(upload.file), upload.dir));
  // The applied layout's diagnostics (hazards with their ids, locations and fixes), as validate
  // gives them for its file: read again only when another layout is applied.
  let appliedReport: { key: string; report: ValidateReport } | null = null;
  api.get('/validate/applied', (c) =>
    c.json(
      withMachine((m) => {
        const applied = loadApplied(stateDir, m.description);
        if (!applied) throw new ParkerError('E_NO_LAYOUT', `no layout is applied to ${m.description}`, 'apply one: POST /api/v1/apply');
        // The layout as it was applied (its text kept with it, as `apply --applied` takes it),
        // named where it was read; a layout posted to this daemon (its copy in uploads/) by the
        // name it was posted with.
        const source = applied.source ?? applied.file;
        const key = `${source}\n${applied.appliedAt}\n${applied.text ?? ''}`;
        if (appliedReport?.key !== key) {
          const report = validateLayout(source, m, applied.text).report;
          appliedReport = { key, report: source.startsWith(uploads + path.sep) ? withoutDir(report, path.dirname(source)) : report };
        }
        return appliedReport.report;
      }),
    ),
  );
  api.post('/validate', async (c) => c.json(readOnlyLayout(await bodyOf(c, LAYOUT_BODY), (file) => withMachine((m) => validateLayout(file, m).report))));
  api.post('/plan', async (c) => {
    const body = await bodyOf(c, PLAN_BODY);
    if (!body.save) return c.json(readOnlyLayout(body, (file) => withMachine((m) => planReport(m, planLayout(file, m, interfaceFor(m.fs), stateDir)))));
    // Saving writes to the state directory: only with the token, as every write.
    requireToken(c);
    // A plan to apply exactly (POST /apply {plan}): its layout file is kept with the applied
    // uploads, since the applied layout names it (start, stop, `apply --applied`).
    pruneUploads(stateDir);
    const answer = withUpload(
      uploads,
      body,
      (upload) =>
        withMachine((m) => {
          const planned = planLayout(upload.file, m, interfaceFor(m.fs), stateDir);
          return { ...withoutDir(planReport(m, planned), upload.dir), saved: planned.plan ? savedPlanOf(m, planned, new Date()) : null };
        }),
      (planned) => planned.saved !== null,
    );
    return c.json(answer);
  });

  api.get('/console/:name', (c) => {
    const name = c.req.param('name');
    const tail = countQuery(c, 'tail') ?? 0;
    const machine = open();
    const read = readConsole(machine, name);
    if (!read.exists && read.lines.length === 0) throw noPartition(name, machine.description, () => stateDir, 'see GET /api/v1/status');
    return c.json({ schema: 'parker.console/v1', name, online: read.online, exists: read.exists, lines: tail > 0 ? read.lines.slice(-tail) : read.lines });
  });

  api.get('/journal', (c) => c.json({ schema: 'parker.journal-view/v1', file: new Journal(stateDir).file, transactions: new Journal(stateDir).transactions() }));

  // Newest first; ?limit=N keeps the newest N of those the daemon keeps.
  api.get('/transactions', (c) => {
    const limit = countQuery(c, 'limit');
    const all = transactions.list();
    return c.json({ schema: 'parker.transactions/v1', transactions: limit === undefined ? all : all.slice(0, limit) });
  });
  api.get('/transactions/:id', (c) => {
    const view = transactions.get(c.req.param('id'));
    if (!view) fail('E_NOT_FOUND', `no transaction ${c.req.param('id')} in this daemon`, 'GET /api/v1/transactions lists them');
    return c.json(view);
  });

  // Events: a Server-Sent Events stream (Last-Event-ID resumes), or JSON with ?format=json.
  api.get('/events', (c) => {
    // A Last-Event-ID a browser keeps is taken as it comes (a stray one is ignored); the query's are checked.
    const header = c.req.header('last-event-id');
    const after = header !== undefined && /^\d+$/.test(header) ? Number(header) : (countQuery(c, 'after', 0) ?? null);
    const types = c.req.query('types')?.split(',').filter(Boolean) ?? null;
    const unknown = types?.filter((t) => !(HUB_EVENT_TYPES as readonly string[]).includes(t)) ?? [];
    if (unknown.length) fail('E_REQUEST', `types: ${unknown.map((t) => JSON.stringify(t)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not an event type`, `use some of: ${HUB_EVENT_TYPES.join(',')}`);
    const format = c.req.query('format');
    if (format !== undefined && format !== 'json') fail('E_REQUEST', `format: ${JSON.stringify(format)} is not a format of /events`, 'leave it out for Server-Sent Events, or format=json');
    const wanted = (e: HubEvent) => !types || types.includes(e.type);
    if (format === 'json') return c.json({ schema: 'parker.events/v1', last: hub.lastId(), oldest: hub.oldest(), events: hub.since(after ?? 0).filter(wanted) });
    return streamSSE(c, async (stream) => {
      const queue: HubEvent[] = [];
      let wake: (() => void) | null = null;
      // A client that stops reading is let go once MAX_QUEUED_EVENTS wait for it, rather than
      // kept with all that happens meanwhile: it reconnects with Last-Event-ID (and gets a gap
      // event if the ring lost some).
      const unsubscribe = hub.subscribe((e) => {
        if (!wanted(e)) return;
        if (queue.length >= MAX_QUEUED_EVENTS) {
          deps.log({ level: 'warn', msg: 'event stream closed: its client stopped reading', queued: queue.length });
          queue.length = 0;
          stream.abort();
          return;
        }
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ last: hub.lastId(), machine: deps.machine }), retry: 2000 });
      if (after !== null) {
        if (hub.missed(after)) await stream.writeSSE({ event: 'gap', data: JSON.stringify({ after, oldest: hub.oldest(), ...(after > 0 && after < hub.first ? { restarted: true } : {}) }) });
        queue.unshift(...hub.since(after).filter((e) => !queue.includes(e)));
      }
      try {
        while (!stream.aborted) {
          while (queue.length) {
            const e = queue.shift()!;
            if (wanted(e)) await stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify({ ...e.data, at: e.at }) });
          }
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, 15_000).unref();
          });
          clearTimeout(timer);
          wake = null;
          if (!queue.length && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });

  // Writes: each runs in a worker through the service layer, one at a time. 202 with the
  // transaction at once; ?wait=1 answers when it ends, with its result.
  const accept = async (c: Context, write: WriteOp, afterEnd?: () => void) => {
    let started: ReturnType<Transactions['start']>;
    try {
      started = transactions.start(write);
    } catch (e) {
      // Refused at once (another write runs): it ended before it began.
      afterEnd?.();
      throw e;
    }
    const { view, done } = started;
    if (afterEnd) void done.then(afterEnd, afterEnd);
    c.set('txn' as never, view.id as never);
    if (c.req.query('wait') === '1' || c.req.query('wait') === 'true') {
      const ended = await done;
      // The transaction, its error carrying its HTTP status as every parker.error/v1 does.
      if (ended.error) return c.json({ ...ended, schema: 'parker.transaction/v1', error: { ...ended.error, status: httpStatusOf(ended.error.code) } }, httpStatusOf(ended.error.code) as 500);
      // A layout with errors changed nothing and ran nothing: the request's fault, with its diagnostics.
      if ((ended.result as { outcome?: string } | null)?.outcome === 'invalid') return c.json(ended, 422);
      return c.json(ended, 200);
    }
    return c.json({ ...view, events: `/api/v1/events?types=step,transaction`, poll: `/api/v1/transactions/${view.id}` }, 202);
  };

  api.post('/apply', authorised, async (c) => {
    const body = await bodyOf(c, APPLY_BODY, '{"layout": "YAML text", ...} or {"plan": {a saved plan}}');
    pruneUploads(stateDir);
    // A saved plan made here names its layout's upload, which the applied layout will name:
    // one removed since (uploads older than a day) cannot be applied any more.
    if ('plan' in body && typeof body.plan.file === 'string' && body.plan.file.startsWith(uploads + path.sep) && !fs.existsSync(body.plan.file)) {
      throw new ParkerError('E_PLAN', 'the layout this plan was made from is no longer kept (the daemon removes uploads older than a day)', 'plan again (POST /api/v1/plan with save), then apply that plan');
    }
    // The paths a saved plan names become the applied layout's (status, `apply --applied`): only
    // this daemon's own uploads are kept as they are. A plan made elsewhere (or edited to name
    // /etc/passwd) is named by its layout file's name alone, with no path of the client's.
    let kept: { file: string; dir: string } | null = null;
    if ('plan' in body && !(inUploads(body.plan.file) && (body.plan.source === undefined || inUploads(body.plan.source)))) {
      const given = typeof body.plan.file === 'string' ? path.basename(body.plan.file) : '';
      const name = NAME.safeParse(given).success ? given : 'layout.yaml';
      body.plan.file = name;
      delete body.plan.source;
      // Its layout's text, when the plan holds it, is kept as a posted layout is: where the
      // applied layout says it was read (`apply --applied`, GET /validate/applied).
      if (typeof body.plan.text === 'string') {
        kept = writeUpload(uploads, name, body.plan.text);
        body.plan.source = kept.file;
      }
    }
    const upload = 'layout' in body ? writeLayoutUpload(uploads, body) : writeUpload(uploads, 'plan.json', JSON.stringify(body.plan));
    // Kept only when the applied layout names it (apply --applied reads it at the next boot):
    // not after a dry run, a refusal (E_LOCKED) or a rollback.
    const unlessApplied = () => {
      const applied = appliedFiles(stateDir);
      for (const u of [upload, kept]) if (u && !applied.includes(u.file)) fs.rmSync(u.dir, { recursive: true, force: true });
    };
    // The applied layout is named as the client named it; its copy here is what `apply --applied` reads.
    const named = 'layout' in body ? { name: path.basename(upload.file) } : {};
    return accept(c, { op: 'apply', file: upload.file, ...named, ...(body.dryRun ? { dryRun: true } : {}) }, unlessApplied);
  });
  /**
   * The names `of` gives of the machine by the daemon's last read (read again when `name` is not
   * among them: it may predate another parker's change); null when no read can tell (a write
   * is running, which may make it; a read that failed), and the write decides. A name known to
   * be unknown is refused before any transaction, without the lock.
   */
  const knownNames = async (name: string, of: (status: ReturnType<typeof statusOfRead>) => string[]): Promise<string[] | null> => {
    try {
      if (transactions.current()) return null;
      const names = async (read: Promise<MachineRead>) => [...new Set(of(statusOfRead(await read)))];
      const known = await names(deps.reader.current());
      return known.includes(name) ? known : await names(deps.reader.fresh());
    } catch {
      return null;
    }
  };
  api.post('/kernels/:name/:action{start|stop}', authorised, async (c) => {
    const name = c.req.param('name')!;
    if (!KERNEL.test(name)) fail('E_REQUEST', `${JSON.stringify(name)} is not a kernel name`, 'see GET /api/v1/status');
    const known = await knownNames(name, (status) => [...status.partitions.map((p) => p.name), ...status.missing]);
    if (known && !known.includes(name)) fail('E_NOT_FOUND', `no kernel named ${name} on the machine or in its applied layout`, known.length ? `one of: ${known.join(', ')}` : 'apply a layout first: POST /api/v1/apply');
    return accept(c, { op: c.req.param('action') as 'start' | 'stop', name });
  });
  api.post('/destroy', authorised, async (c) => {
    const body = await bodyOf(c, DESTROY_BODY, '{"name": "KERNEL"} or {"all": true}');
    if ('all' in body) return accept(c, { op: 'destroy', all: true });
    const known = await knownNames(body.name, (status) => status.partitions.map((p) => p.name));
    if (known && !known.includes(body.name)) fail('E_NOT_FOUND', `no partition named ${body.name} on the machine`, known.length ? `one of: ${known.join(', ')}` : 'there is none to destroy: see GET /api/v1/status');
    return accept(c, { op: 'destroy', name: body.name });
  });
  api.post('/recover', authorised, async (c) => accept(c, { op: 'recover' }));

  // A path the API has, asked with another method: 405 with the methods it takes (Allow).
  const routes = api.routes
    .filter((r) => r.method !== 'ALL' && r.path !== '/*' && r.path !== '*')
    .map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:\w+\{([^}]+)\}/g, '($1)').replace(/:\w+/g, '[^/]+').replace(/\/$/, '')}/?$`) }));
  api.all('*', (c) => {
    const where = c.req.path.replace(/^\/api\/v1/, '') || '/';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(where)).map((r) => r.method))];
    if (allowed.length > 0) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      return methodNotAllowed(c, `/api/v1${where}`, allowed);
    }
    return c.json(errorBody(new ParkerError('E_NOT_FOUND', `no route ${c.req.method} /api/v1${where}`, 'GET /api/v1/ lists the routes')), 404);
  });

  app.route('/api/v1', api);

  app.get('/metrics', async (c) => {
    let status = null;
    let cma = null;
    try {
      const read = await deps.reader.current();
      status = statusOfRead(read);
      cma = read.cma;
    } catch (e) {
      deps.log({ level: 'warn', msg: 'metrics: cannot read the machine', error: String((e as Error)?.message ?? e) });
    }
    return c.body(metrics.render(status, cma), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  app.all('/metrics', (c) => methodNotAllowed(c, '/metrics', ['GET', 'HEAD']));

  // Another version of the API, or a path under it: JSON, not the dashboard's page.
  app.all('/api/*', (c) => c.json(errorBody(new ParkerError('E_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`, 'this daemon serves /api/v1/; GET /api/v1/ lists the routes')), 404));
  // The dashboard: the built web/ files; index.html for every other page.
  app.get('*', (c) => {
    const dir = deps.webDir === undefined ? defaultWebDir() : deps.webDir;
    const index = dir ? path.join(dir, 'index.html') : null;
    if (!dir || !index || !fs.existsSync(index)) {
      return c.html('<!doctype html><title>parker</title><p>The dashboard is not built: run <code>npm run build:web</code>. The API is at <a href="/api/v1/">/api/v1/</a>.</p>', 404);
    }
    const file = webFile(dir, c.req.path) ?? index;
    const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
    return c.body(fs.readFileSync(file), 200, { 'content-type': type, 'cache-control': file === index ? 'no-cache' : 'public, max-age=31536000, immutable' });
  });
  app.all('*', (c) => c.json(errorBody(new ParkerError('E_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`, 'GET /api/v1/ lists the routes')), 404));
  return app;
}
