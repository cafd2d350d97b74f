import picocolors from 'picocolors';

/**
 * Colours only for a person at a terminal: not in pipes, files or CI logs (picocolors alone
 * turns them on whenever CI is set). NO_COLOR and FORCE_COLOR are honoured.
 */
const wanted = process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== '0' : !process.env.NO_COLOR && Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';

export const pc = picocolors.createColors(wanted);

/** Whether a person reads stdout at a terminal (tables get borders, progress is live). */
export const atTerminal = Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
