/** Option helpers shared by the commands. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PROVIDERS } from '../types';
import type { GlobalOptions } from './connect';

export const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

export const num = (value: string) => {
  const n = Number(value);
  if (Number.isNaN(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

export const providerOption = () => new Option('-p, --provider <provider>', 'provider').choices(PROVIDERS).default('openai');

/** `--address` and `--store`, given before or after the command name. */
export function globalsOf(cmd: Command): GlobalOptions {
  const { address, store } = cmd.optsWithGlobals() as GlobalOptions;
  return { address, store };
}
