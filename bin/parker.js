#!/bin/sh
':' //; if [ -n "${NODE_EXTRA_CA_CERTS+set}" ]; then export PARKER_NODE_EXTRA_CA_CERTS="$$:$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; else unset PARKER_NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"
// The line above is both shell and JavaScript. Run as a program (`parker ...`, the installed
// bin), /bin/sh runs it and replaces itself with node, started without NODE_EXTRA_CA_CERTS:
// node 20 reads that file and builds its whole certificate store before running any code
// (nodejs/node#40524), about 40 ms of every command, and parker makes no TLS connection. The
// value is carried in PARKER_NODE_EXTRA_CA_CERTS, after the shell's process id (which node
// keeps: exec), and put back below before anything runs, so that the programs parker starts
// (kexec, a kernel's stop command) get the variable they were given. (A shell in between keeps
// only the variables whose names a shell can hold, as any shell wrapper does.) Run by node
// (`node bin/parker.js`), the line is a string and a comment: nothing, and nothing is put back.
// If parker ever makes TLS connections itself, this line must go.
// Runs the compiled CLI, bundled (scripts/bundle-cli.mjs): no TypeScript loader, few files to
// load, compiled through V8's code cache (load-bundle.js). CommonJS (bin/package.json): node
// starts a CommonJS entry sooner than an ES module.
'use strict';

// Only what this process's own first line carried: a value left in the environment by anything
// else (node started by hand) is not this process's to use.
const carriedCaCerts = process.env.PARKER_NODE_EXTRA_CA_CERTS;
const carriedBySelf = `${process.pid}:`;
if (carriedCaCerts !== undefined && carriedCaCerts.startsWith(carriedBySelf)) {
  process.env.NODE_EXTRA_CA_CERTS = carriedCaCerts.slice(carriedBySelf.length);
  delete process.env.PARKER_NODE_EXTRA_CA_CERTS;
}

// `parker --version` alone is answered before the program loads: scripts call it to see
// whether (and which) parker is installed, and it needs nothing else.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
  process.exit(0);
}

const { loadBundle } = require('./load-bundle.js');
const { main } = loadBundle();

// A command whose work ended without main() returning (a promise nothing settles) is a bug,
// not a success: say so, with E_INTERNAL's status (an ES module entry would have exited 13).
let returned = false;
process.on('exit', (code) => {
  if (returned || code !== 0) return;
  process.stderr.write('internal error: the command ended without finishing; report it with the command line\n');
  process.exitCode = 70;
});

// `parker discover -o json | head` closes the pipe early: that is not an error. Output that
// cannot be written otherwise (a full disk, a closed descriptor) is E_IO's exit status, said in
// one line, not a stack trace.
function stdoutFailed(error) {
  returned = true;
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`error E_IO: cannot write standard output: ${error.code ?? error.message}\n`);
  process.exit(3);
}
process.stdout.on('error', stdoutFailed);
// Standard error is made when something first writes to it, as node would make it: most
// commands never do, and making a pipe's stream loads node's network module (about 2 ms).
// Standard error that cannot be written leaves nowhere to say so: the exit status still does.
let stderrMade = false;
function stderrFailed() {
  returned = true;
  process.exit(process.exitCode || 3);
}
const makeStderr = Object.getOwnPropertyDescriptor(process, 'stderr')?.get;
if (makeStderr) {
  Object.defineProperty(process, 'stderr', {
    configurable: true,
    enumerable: true,
    get() {
      const stream = makeStderr.call(process);
      if (!stderrMade) {
        stderrMade = true;
        stream.on('error', stderrFailed);
      }
      return stream;
    },
  });
}

main(process.argv).then((code) => {
  returned = true;
  // The command's status first: a closed pipe keeps it (EPIPE), a failed standard error falls back to it.
  process.exitCode = code;
  // A write that failed as the command ended (a file or device written synchronously, such as
  // a full disk) has marked its stream, but says so only on the next tick: after this.
  if (process.stdout.errored) return stdoutFailed(process.stdout.errored);
  if (stderrMade && process.stderr.errored) return stderrFailed();
  // Exit now rather than when the event loop has drained: node would first wait for V8's
  // background garbage collection to finish, about 10 ms of an interactive command. Nothing
  // of parker's is still running when main returns (a kernel's start writer and the console
  // reader are detached processes; `serve` returns once its running write has ended). Output
  // still queued for a pipe whose reader is slow is let finish.
  if (process.stdout.writableLength === 0 && (!stderrMade || process.stderr.writableLength === 0)) process.exit(code);
  process.exitCode = code;
});
