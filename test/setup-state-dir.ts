import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Tests never touch the user's own state directory: each test file gets a fresh one.
process.env.PARKER_STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-state-'));
