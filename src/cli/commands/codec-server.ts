import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { int } from '../options';

export function registerCodecServer(program: Command): void {
  program
    .command('codec-server')
    // The codec module is loaded only when this runs, so help text names its variable and default in words.
    .description('serve the Temporal codec-server protocol (POST /encode, /decode) with the keys in $DURABATCH_CODEC_KEYS, for the Web UI')
    .option('--port <n>', 'port (0 = any free port)', int, 8888)
    .option('--host <host>', 'interface (whoever reaches it can decrypt every payload)', '127.0.0.1')
    .option('--ui-origin <origin...>', "Web UI origin(s) allowed to call it (CORS; default: the dev server's UI, http://localhost:8233)")
    .action(async (o: { port: number; host: string; uiOrigin?: string[] }) => {
      const { CODEC_KEYS_ENV, codecFromEnv, DEFAULT_UI_ORIGIN, startCodecServer } = require('../../codec') as typeof import('../../codec');
      const uiOrigins = o.uiOrigin ?? [DEFAULT_UI_ORIGIN];
      const codec = codecFromEnv();
      if (!codec)
        throw new CliError(
          EXIT.USAGE,
          `${CODEC_KEYS_ENV} is not set: give it id:base64key[,id:base64key...] (32-byte keys, the first is the current one)`,
        );
      const codecServer = await startCodecServer({ codec, port: o.port, host: o.host, uiOrigins, log: (m) => console.error(m) });
      console.log(
        `durabatch codec server listening on ${codecServer.url} (keys: ${codec.keyIds.join(', ')}; current ${codec.currentKeyId})`,
      );
      console.log(`  allowed UI origin(s): ${uiOrigins.join(', ')}`);
      console.log(`  start the UI with it: temporal server start-dev --ui-codec-endpoint ${codecServer.url}`);
    });
}
