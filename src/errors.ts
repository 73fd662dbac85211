/**
 * The error catalogue. Every failure a user can meet at start-up is one of these codes; the message
 * says what failed, where, and how to fix it, and the original error travels as `cause`.
 * Codes read TVS_ERR_<AREA>_<WHAT>; test/errors.test.ts keeps the catalogue from drifting.
 * A message naming one of our commands takes it as an argument (commandLine() of
 * src/invocation.ts), so it reads the way the user started the program.
 */
import createError from '@fastify/error'

/** A catalogue entry: the message's %s/%d arguments, typed, and an optional `{ cause }` last. */
function define<A extends unknown[]> (code: `TVS_ERR_${string}`, message: string, status?: number) {
  return createError<[...A, { cause: unknown }?]>(code, message, status)
}

export const TVS_ERR_CONFIG_YAML = define<[file: string, line: number, column: number, reason: string, excerpt: string]>(
  'TVS_ERR_CONFIG_YAML',
  '%s:%d:%d: YAML syntax error: %s.%s'
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

export const TVS_ERR_TLS_MISSING = define<[files: string, cert: string, configPath: string]>(
  'TVS_ERR_TLS_MISSING',
  'HTTPS is on, but %s. Run %s (with the same --configPath, --certPath and --keyPath, if you use them) to make a self-signed certificate for this computer, or set ssl.certPath and ssl.keyPath in %s (or --certPath and --keyPath) to your files.'
)
export const TVS_ERR_TLS_UNREADABLE = define<[what: string, file: string, user: string, reason: string]>(
  'TVS_ERR_TLS_UNREADABLE',
  'Cannot read the TLS %s file %s as %s, the user the server runs as: %s. Give that user read access (for a key: make it the owner, mode 0600, rather than opening the file to everyone), or run the server as the owner of the file.'
)
export const TVS_ERR_TLS_FOLDER = define<[what: string, path: string, key: string, flag: string, holds: string]>(
  'TVS_ERR_TLS_FOLDER',
  'The TLS %s path %s is a folder, not a file. Set %s (or %s) to the file itself%s.'
)
export const TVS_ERR_TLS_BAD_CERT = define<[file: string, reason: string]>(
  'TVS_ERR_TLS_BAD_CERT',
  'The TLS certificate file %s is not a PEM certificate%s. Expected text starting with -----BEGIN CERTIFICATE----- (the certificate first, then any intermediate certificates, as in fullchain.pem).'
)
export const TVS_ERR_TLS_BAD_KEY = define<[file: string, reason: string]>(
  'TVS_ERR_TLS_BAD_KEY',
  'The TLS key file %s is not a PEM private key%s. Expected text starting with -----BEGIN PRIVATE KEY----- (or RSA / EC / ENCRYPTED PRIVATE KEY).'
)
export const TVS_ERR_TLS_PASSPHRASE_MISSING = define<[file: string]>(
  'TVS_ERR_TLS_PASSPHRASE_MISSING',
  'The TLS key %s is encrypted and no passphrase was given. Set the environment variable TAVERN_SSL_KEYPASSPHRASE (it stays out of the process list), ssl.keyPassphrase in config.yaml, or --keyPassphrase.'
)
export const TVS_ERR_TLS_PASSPHRASE_WRONG = define<[file: string]>(
  'TVS_ERR_TLS_PASSPHRASE_WRONG',
  'The passphrase for the TLS key %s is wrong. Check TAVERN_SSL_KEYPASSPHRASE, ssl.keyPassphrase or --keyPassphrase, whichever you set.'
)
export const TVS_ERR_TLS_KEY_MISMATCH = define<[key: string, cert: string, certForce: string]>(
  'TVS_ERR_TLS_KEY_MISMATCH',
  'The TLS key %s does not belong to the certificate %s. Use the key made together with this certificate (for Let\'s Encrypt, privkey.pem beside fullchain.pem), or make a new pair with %s.'
)
export const TVS_ERR_TLS_EXPIRED = define<[file: string, date: string, certForce: string]>(
  'TVS_ERR_TLS_EXPIRED',
  'The TLS certificate %s expired on %s. Renew it, or make a new self-signed one with %s.'
)
export const TVS_ERR_TLS_REJECTED = define<[cert: string, key: string, reason: string, certForce: string]>(
  'TVS_ERR_TLS_REJECTED',
  'The TLS certificate %s with the key %s cannot be used: %s. Make a new pair (%s makes one that works).'
)
export const TVS_ERR_TLS_CERT_EXISTS = define<[files: string, cert: string]>(
  'TVS_ERR_TLS_CERT_EXISTS',
  '%s. %s does not replace an existing certificate or key; add --force to replace them (devices that accepted the old certificate will warn once more).'
)
export const TVS_ERR_TLS_CERT_WRITE = define<[file: string, reason: string]>(
  'TVS_ERR_TLS_CERT_WRITE',
  'Cannot write %s: %s. Make its folder writable, or choose other paths with --certPath and --keyPath (ssl.certPath and ssl.keyPath in config.yaml).'
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

export const TVS_ERR_AUTH_HASH = define<[file: string, hashPassword: string]>(
  'TVS_ERR_AUTH_HASH',
  'basicAuthUser.password in %s starts with $scrypt$ but is not a hash tavern-server can check. Paste the whole line printed by `%s`, or a plain password.'
)
export const TVS_ERR_CONFIG_ENV_ONLY = define<[problem: string]>(
  'TVS_ERR_CONFIG_ENV_ONLY',
  '%s'
)

export const TVS_ERR_SERVICE_NO_SYSTEMD = define<[readme: string, example: string]>(
  'TVS_ERR_SERVICE_NO_SYSTEMD',
  'This computer does not run systemd, so tavern-server service cannot make a service here. To start tavern-server by itself after a reboot without systemd (a crontab @reboot line, Termux:Boot on Android, the Windows Task Scheduler), see "Start at boot without systemd" in %s.%s'
)
export const TVS_ERR_SERVICE_ROOT_USER = define<[problem: string]>(
  'TVS_ERR_SERVICE_ROOT_USER',
  '%s'
)
export const TVS_ERR_SERVICE_FLAG = define<[problem: string]>(
  'TVS_ERR_SERVICE_FLAG',
  '%s'
)
export const TVS_ERR_SERVICE_EXISTS = define<[file: string]>(
  'TVS_ERR_SERVICE_EXISTS',
  '%s already exists with other content. Add --force to replace it, or choose another unit name with --name.'
)
export const TVS_ERR_SERVICE_WRITE = define<[file: string, reason: string, hint: string]>(
  'TVS_ERR_SERVICE_WRITE',
  'Cannot write %s: %s.%s'
)
export const TVS_ERR_SERVICE_RELOAD = define<[file: string, command: string, reason: string]>(
  'TVS_ERR_SERVICE_RELOAD',
  'Wrote %s, but `%s` failed: %s. Run it yourself once systemd can be reached, then enable and start the service.'
)
export const TVS_ERR_CLI_INPUT = define<[problem: string]>(
  'TVS_ERR_CLI_INPUT',
  '%s'
)

export const TVS_ERR_ACCOUNTS_FILE = define<[file: string, reason: string]>(
  'TVS_ERR_ACCOUNTS_FILE',
  'The accounts file %s cannot be used: %s. Restore it from a backup, or move it away to start again with no accounts.'
)
export const TVS_ERR_ACCOUNTS_LOCKED = define<[pid: string, seconds: number, lockFile: string]>(
  'TVS_ERR_ACCOUNTS_LOCKED',
  'The accounts are being changed by process %s, which did not finish within %d seconds. Try again; if no tavern-server is running or changing accounts, delete %s.'
)
export const TVS_ERR_ACCOUNTS_WRITE = define<[file: string, reason: string]>(
  'TVS_ERR_ACCOUNTS_WRITE',
  'Cannot write %s: %s. Nothing was changed.'
)
// Refusals of an account change; the status is what the web API answers.
export const TVS_ERR_ACCOUNT_HANDLE = define<[handle: string, rule: string]>(
  'TVS_ERR_ACCOUNT_HANDLE',
  'The handle "%s" cannot be used: %s.',
  400
)
export const TVS_ERR_ACCOUNT_EXISTS = define<[handle: string]>(
  'TVS_ERR_ACCOUNT_EXISTS',
  'An account with the handle "%s" exists already.',
  409
)
export const TVS_ERR_ACCOUNT_UNKNOWN = define<[handle: string]>(
  'TVS_ERR_ACCOUNT_UNKNOWN',
  'There is no account with the handle "%s".',
  404
)
export const TVS_ERR_ACCOUNT_LAST_ADMIN = define<[handle: string, action: string]>(
  'TVS_ERR_ACCOUNT_LAST_ADMIN',
  '"%s" is the last enabled admin account, so it cannot be %s. Promote or enable another admin first.',
  409
)
export const TVS_ERR_ACCOUNT_INPUT = define<[problem: string]>(
  'TVS_ERR_ACCOUNT_INPUT',
  '%s',
  400
)
export const TVS_ERR_IMPORT_SOURCE = define<[path: string, reason: string]>(
  'TVS_ERR_IMPORT_SOURCE',
  'Cannot import accounts from %s: %s. Give the SillyTavern data folder (the one holding _storage), for example ~/SillyTavern/data.'
)
export const TVS_ERR_INSTALL_INCOMPLETE = define<[reason: string, root: string]>(
  'TVS_ERR_INSTALL_INCOMPLETE',
  'A part of tavern-server is missing: %s. The installation in %s is incomplete, or was changed while this command ran: install it again (from a checkout: npm install, which also rebuilds dist/).'
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
