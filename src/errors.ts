/**
 * The error catalogue. Every failure a user can meet at start-up is one of these codes; the message
 * says what failed, where, and how to fix it, and the original error travels as `cause`.
 * Codes read TVS_ERR_<AREA>_<WHAT>; test/errors.test.ts keeps the catalogue from drifting.
 */
import createError from '@fastify/error'

/** A catalogue entry: the message's %s/%d arguments, typed, and an optional `{ cause }` last. */
function define<A extends unknown[]> (code: `TVS_ERR_${string}`, message: string) {
  return createError<[...A, { cause: unknown }?]>(code, message)
}

export const TVS_ERR_CONFIG_YAML = define<[file: string, line: number, column: number, reason: string]>(
  'TVS_ERR_CONFIG_YAML',
  '%s:%d:%d: YAML syntax error: %s. Fix the file at that line and column.'
)
export const TVS_ERR_CONFIG_READ = define<[file: string, reason: string]>(
  'TVS_ERR_CONFIG_READ',
  'Cannot read the config file %s: %s.'
)
export const TVS_ERR_CONFIG_NOT_FOUND = define<[file: string]>(
  'TVS_ERR_CONFIG_NOT_FOUND',
  'The config file %s does not exist. Check the --configPath value, or leave --configPath out to use ./config.yaml, which is created with default values on first start.'
)
export const TVS_ERR_CONFIG_CREATE = define<[file: string, reason: string]>(
  'TVS_ERR_CONFIG_CREATE',
  'Cannot create %s: %s. Make the folder writable or start from another folder.'
)
export const TVS_ERR_CONFIG_INVALID = define<[count: number, plural: string, list: string]>(
  'TVS_ERR_CONFIG_INVALID',
  'The configuration has %d problem%s:\n%s'
)
export const TVS_ERR_DATA_ROOT = define<[path: string, reason: string]>(
  'TVS_ERR_DATA_ROOT',
  'Cannot use the data root %s: %s. Set dataRoot in config.yaml (or --dataRoot) to a writable folder.'
)
export const TVS_ERR_DATA_LOCKED = define<[path: string, pid: string, lockFile: string]>(
  'TVS_ERR_DATA_LOCKED',
  'The data root %s is in use by another tavern-server (process %s). Stop that one first, or give this one its own --dataRoot. If no tavern-server is running, delete %s.'
)
export const TVS_ERR_SECURITY_UNPROTECTED = define<[explanation: string]>(
  'TVS_ERR_SECURITY_UNPROTECTED',
  '%s'
)
export const TVS_ERR_LISTEN_PORT_IN_USE = define<[port: number]>(
  'TVS_ERR_LISTEN_PORT_IN_USE',
  'Port %d is already in use (another tavern-server may be running). Stop it or choose another port with --port.'
)
export const TVS_ERR_LISTEN_ADDRESS = define<[address: string, reason: string]>(
  'TVS_ERR_LISTEN_ADDRESS',
  'Cannot listen on %s: %s. Check listenAddress in config.yaml (or --listenAddressIPv4 / --listenAddressIPv6): it must be an address of this machine.'
)
export const TVS_ERR_LISTEN_FAILED = define<[address: string, reason: string]>(
  'TVS_ERR_LISTEN_FAILED',
  'Cannot listen on %s: %s.'
)
export const TVS_ERR_LISTEN_NO_FAMILY = define<[reason: string]>(
  'TVS_ERR_LISTEN_NO_FAMILY',
  'No address family to listen on: %s. Set protocol.ipv4 or protocol.ipv6 to true in config.yaml (or use --enableIPv4 / --enableIPv6).'
)

export const TVS_ERR_ACCESS_INVALID_ENTRY = define<[list: string, entries: string]>(
  'TVS_ERR_ACCESS_INVALID_ENTRY',
  'Invalid %s entries; fix or remove them:\n%s'
)

export const TVS_ERR_WHITELIST_READ = define<[file: string, reason: string]>(
  'TVS_ERR_WHITELIST_READ',
  'Cannot read %s: %s. It replaces the whitelist in config.yaml, so the server will not start without it: make it readable, or delete it to use the whitelist key.'
)
export const TVS_ERR_ACCESS_LOG = define<[file: string, reason: string]>(
  'TVS_ERR_ACCESS_LOG',
  'Cannot open the access log %s: %s. Set logging.accessLogPath to a writable file, or logging.enableAccessLog: false.'
)

export const TVS_ERR_AUTH_HASH = define<[file: string]>(
  'TVS_ERR_AUTH_HASH',
  'basicAuthUser.password in %s starts with $scrypt$ but is not a hash tavern-server can check. Paste the whole line printed by `tavern-server hash-password`, or a plain password.'
)
export const TVS_ERR_CLI_INPUT = define<[problem: string]>(
  'TVS_ERR_CLI_INPUT',
  '%s'
)

/** Every error above carries a `code`; start-up failures are reported by code and message. */
export interface TavernError extends Error {
  code: string
  cause?: unknown
}

/** True when `error` comes from this catalogue (and so its message is fit for the user). */
export function isTavernError (error: unknown): error is TavernError {
  return error instanceof Error && typeof (error as TavernError).code === 'string' &&
    (error as TavernError).code.startsWith('TVS_ERR_')
}
