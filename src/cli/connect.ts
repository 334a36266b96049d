/**
 * Connecting the CLI to Temporal, failing fast and saying what to do. The SDK's own connect waits
 * 10 s on a closed port before a bare "Failed to connect before the deadline"; a person at a
 * prompt wants to hear within a second or two which address was tried and how to fix it.
 */
import { connect as tcpConnect } from 'node:net';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import type { Durabatch } from '../client';
import { temporalAddress, temporalNamespace } from '../config';
import type { SchemaRegistry } from '../schema';
import { CliError, EXIT } from './exit-codes';

/** gRPC's UNAVAILABLE (the status enum lives in @grpc/grpc-js, not a direct dependency). */
const GRPC_UNAVAILABLE = 14;
/** A TCP answer (or refusal) comes in milliseconds; this only bounds a host that drops packets. */
const PROBE_TIMEOUT_MS = 3000;
/** gRPC set-up after the port answered: TLS or a slow link may need a moment, not ten seconds. */
const CONNECT_TIMEOUT_MS = 5000;

export interface GlobalOptions {
  address?: string;
  store?: string;
}

export function addressOf(globals: GlobalOptions): string {
  return globals.address ?? temporalAddress();
}

/** The one message for "no Temporal here", wherever it is found out. */
export function unreachable(address: string, reason?: string): CliError {
  return new CliError(
    EXIT.UNREACHABLE,
    `cannot reach Temporal at ${address}${reason ? ` (${reason})` : ''}: start one with \`durabatch server start\` ` +
      '(or `durabatch dev`), or point TEMPORAL_ADDRESS / --address at a running server',
  );
}

/** The gist of a connect failure (the native client's are Rust debug dumps). */
export function connectFailureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/ConnectionRefused|ECONNREFUSED/.test(message)) return 'connection refused';
  if (/before the deadline/.test(message)) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  return message.length > 120 ? `${message.slice(0, 117)}...` : message;
}

/** True for errors that mean the server went away (or never was there), as opposed to a refusal from it. */
export function isUnavailable(err: unknown): boolean {
  if (isGrpcServiceError(err)) return err.code === GRPC_UNAVAILABLE;
  const message = err instanceof Error ? err.message : '';
  return /Failed to connect before the deadline|ECONNREFUSED|tcp connect error|TransportError/.test(message);
}

/**
 * Whether anything listens at host:port. Skipped behind a proxy (gRPC would go through it, this
 * would not): then only the connect timeout applies.
 */
function probe(address: string): Promise<void> {
  if (process.env.grpc_proxy || process.env.https_proxy || process.env.HTTPS_PROXY) return Promise.resolve();
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port))
    return Promise.reject(new CliError(EXIT.USAGE, `--address ${address}: expected HOST:PORT, e.g. 127.0.0.1:7233`));
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const fail = (reason: string) => {
      socket.destroy();
      reject(unreachable(address, reason));
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => fail(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message)),
    );
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}

/** A Temporal client for the CLI, or a CliError (exit 3) naming the address and the fix. */
export async function connectClient(globals: GlobalOptions): Promise<Client> {
  const address = addressOf(globals);
  await probe(address);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw unreachable(address, connectFailureReason(err));
  }
  // Loaded once connected: a refused connection is reported without loading the rest (about a second).
  const { dataConverterFromEnv } = require('../codec') as typeof import('../codec');
  return new Client({ connection, namespace: temporalNamespace(), dataConverter: dataConverterFromEnv() });
}

/** A durabatch client on the global options' Temporal address and job store. */
export async function openDurabatch(globals: GlobalOptions, options: { schemas: SchemaRegistry; taskQueue?: string }): Promise<Durabatch> {
  const client = await connectClient(globals);
  const { createDurabatch } = require('../client') as typeof import('../client');
  return createDurabatch({ ...options, client, store: globals.store });
}
