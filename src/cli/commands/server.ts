import type { Command } from 'commander';
import { durabatchHome } from '../../config';
import { CliError, EXIT } from '../exit-codes';
import { globalsOf, int } from '../options';

/** Loaded when a server command runs (the dev-server code pulls in the Temporal client). */
const devserver = () => require('../../devserver') as typeof import('../../devserver');
const addressOf = (...args: Parameters<typeof import('../connect').addressOf>) =>
  (require('../connect') as typeof import('../connect')).addressOf(...args);

export function registerServer(program: Command): void {
  const server = program.command('server').description('the local Temporal dev server (its database is in $DURABATCH_HOME)');

  server
    .command('start')
    .description('start a dev server with the Web UI in the background (kept across restarts of this shell)')
    .option('--ui-port <n>', 'Web UI port', int, 8233)
    .action(async (o: { uiPort: number }, cmd: Command) => {
      const address = addressOf(globalsOf(cmd));
      const { SEARCH_ATTRIBUTES } = require('../../search-attributes') as typeof import('../../search-attributes');
      const started = await devserver().ensureDevServer({
        address,
        uiPort: o.uiPort,
        dataDir: durabatchHome(),
        searchAttributes: { ...SEARCH_ATTRIBUTES },
        log: (line) => console.error(line),
      });
      console.log(
        `dev server ${started.reused ? 'already running' : 'started'} at ${started.address}${started.pid ? ` (pid ${started.pid})` : ''}`,
      );
      if (started.uiUrl) console.log(`  Web UI    ${started.uiUrl}`);
      if (!started.reused) console.log(`  database  ${durabatchHome()}/temporal.db (jobs survive a restart)`);
      console.log('  stop it   durabatch server stop');
    });

  server
    .command('status')
    .description('whether the dev server runs: address, Web UI, pid (exit 3 when none answers)')
    .action(async (_o: unknown, cmd: Command) => {
      const address = addressOf(globalsOf(cmd));
      const { detachedDevServer, isServing } = devserver();
      const ours = await detachedDevServer(durabatchHome());
      const at = ours?.alive ? ours.address : address;
      const serving = await isServing(at);
      if (ours?.alive && serving) {
        console.log(`dev server running at ${ours.address} (pid ${ours.pid}${ours.startedAt ? `, since ${ours.startedAt}` : ''})`);
        if (ours.uiUrl) console.log(`  Web UI    ${ours.uiUrl}`);
        if (ours.dbFilename) console.log(`  database  ${ours.dbFilename}`);
        console.log(`  log       ${ours.log}`);
        return;
      }
      if (serving) {
        console.log(
          `a Temporal server answers at ${at}, not one \`durabatch server start\` started (no pid recorded in ${durabatchHome()})`,
        );
        return;
      }
      const why = ours?.alive ? `its process ${ours.pid} is alive but does not answer at ${ours.address}` : 'none is running';
      throw new CliError(EXIT.UNREACHABLE, `no dev server answers at ${at} (${why}): start one with \`durabatch server start\``);
    });

  server
    .command('stop')
    .description('stop the dev server `server start` (or the demo) started')
    .action(async () => {
      console.log(
        (await devserver().stopDetachedDevServer(durabatchHome())) ? 'dev server stopped' : 'no dev server started by durabatch is running',
      );
    });
}
