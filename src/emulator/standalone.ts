/**
 * The emulator as a process of its own, for callers that must be able to kill it (child.ts):
 *
 *   node --import tsx src/emulator/standalone.ts [--port N] [--host H] [--state-dir DIR] [--faults JSON]
 *
 * Prints `emulator listening on <url>` once it serves. SIGTERM and SIGINT close it cleanly; SIGKILL
 * is what a crash looks like, and with --state-dir the next process carries on from the disk.
 * Lighter than `durabatch emulator`, which loads the whole CLI (Temporal client and worker) first.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string' },
    'state-dir': { type: 'string' },
    faults: { type: 'string' },
  },
});

startEmulator({
  port: Number(values.port),
  host: values.host,
  stateDir: values['state-dir'],
  faults: values.faults ? JSON.parse(values.faults) : undefined,
}).then(
  (emulator) => {
    console.log(`emulator listening on ${emulator.url}`);
    const stop = () => void emulator.close().finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (err: unknown) => {
    console.error(`emulator: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
