/**
 * The command line: SillyTavern's flag names, each mapped to its config key. Flags carry no
 * defaults, so a flag that is not given never overrides config.yaml. Values are checked here with
 * the config's own types, so `--port 70000` fails at once (exit 2) naming the flag.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { KEYS } from '../config/schema.js'
import type { KeyPath } from '../config/schema.js'
import type { ValueType } from '../config/types.js'

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

interface FlagSpec {
  flag: string
  key: KeyPath
  /** `<value>` for a required value, `[value]` for booleans that may stand alone. */
  arg: string
  description: string
  /** Paths given on the command line resolve against the current folder, as a shell user expects. */
  isPath?: true
  negatable?: true
}

export const SERVER_FLAGS: readonly FlagSpec[] = [
  { flag: 'port', key: 'port', arg: '<number>', description: 'TCP port to listen on (config: port)' },
  { flag: 'listen', key: 'listen', arg: '[true|false]', negatable: true, description: 'accept connections from other devices, binding listenAddress (config: listen)' },
  { flag: 'listenAddressIPv4', key: 'listenAddress.ipv4', arg: '<address>', description: 'IPv4 address to bind when listening (config: listenAddress.ipv4)' },
  { flag: 'listenAddressIPv6', key: 'listenAddress.ipv6', arg: '<address>', description: 'IPv6 address to bind when listening, brackets optional (config: listenAddress.ipv6)' },
  { flag: 'qr', key: 'qrCode', arg: '[true|false|auto]', negatable: true, description: 'draw a QR code of the first LAN address at start; auto: only on a terminal (config: qrCode)' },
  { flag: 'enableIPv4', key: 'protocol.ipv4', arg: '[true|false|auto]', negatable: true, description: 'listen on IPv4 (config: protocol.ipv4)' },
  { flag: 'enableIPv6', key: 'protocol.ipv6', arg: '[true|false|auto]', negatable: true, description: 'listen on IPv6 (config: protocol.ipv6)' },
  { flag: 'whitelist', key: 'whitelistMode', arg: '[true|false]', negatable: true, description: 'enforce the IP whitelist (config: whitelistMode)' },
  { flag: 'basicAuthMode', key: 'basicAuthMode', arg: '[true|false]', negatable: true, description: 'require HTTP Basic credentials (config: basicAuthMode)' },
  { flag: 'securityOverride', key: 'securityOverride', arg: '[true|false]', negatable: true, description: 'start even when listening with no access control (config: securityOverride)' },
  { flag: 'ssl', key: 'ssl.enabled', arg: '[true|false]', negatable: true, description: 'serve HTTPS (config: ssl.enabled)' },
  { flag: 'keyPath', key: 'ssl.keyPath', arg: '<path>', isPath: true, description: 'TLS private key file (config: ssl.keyPath)' },
  { flag: 'certPath', key: 'ssl.certPath', arg: '<path>', isPath: true, description: 'TLS certificate file (config: ssl.certPath)' },
  { flag: 'keyPassphrase', key: 'ssl.keyPassphrase', arg: '<text>', description: 'passphrase of an encrypted key; TAVERN_SSL_KEYPASSPHRASE keeps it out of the process list (config: ssl.keyPassphrase)' },
  { flag: 'dataRoot', key: 'dataRoot', arg: '<path>', isPath: true, description: 'folder for accounts, sessions and secrets (config: dataRoot)' },
  { flag: 'upstream', key: 'app.upstream', arg: '<url>', description: 'the web app to put behind the gate, e.g. http://127.0.0.1:8001 (config: app.upstream)' },
  { flag: 'root', key: 'app.root', arg: '<dir>', isPath: true, description: 'a folder of static files to serve behind the gate (config: app.root)' }
]

/**
 * SillyTavern's own flags that mean nothing here (browser launch, CSRF, CORS proxy, keep-alive,
 * request proxy, global mode): `value` says what they take, `list` several words. Its flags that
 * do mean something here are SERVER_FLAGS, and work as they do there.
 */
export const IGNORED_SILLYTAVERN_FLAGS: ReadonlyArray<{ flag: string, value?: 'one' | 'list' }> = [
  { flag: 'global' }, { flag: 'dnsPreferIPv6' }, { flag: 'heartbeatInterval', value: 'one' },
  { flag: 'browserLaunchEnabled' }, { flag: 'autorun' },
  { flag: 'browserLaunchHostname', value: 'one' }, { flag: 'autorunHostname', value: 'one' },
  { flag: 'browserLaunchPort', value: 'one' }, { flag: 'autorunPortOverride', value: 'one' },
  { flag: 'browserLaunchAvoidLocalhost' }, { flag: 'avoidLocalhost' },
  { flag: 'corsProxy' }, { flag: 'disableCsrf' }, { flag: 'enableKeepAlive' },
  { flag: 'requestProxyEnabled' }, { flag: 'requestProxyUrl', value: 'one' }, { flag: 'requestProxyBypass', value: 'list' }
]

const BOOLEAN_WORD = /^(?:true|false|yes|no|on|off|1|0)$/i

/**
 * Takes SillyTavern's meaningless flags (with their values) out of the command line, so a start
 * script written for SillyTavern keeps working (issue 11); the caller says they were ignored.
 * A boolean one takes a following true/false word with it, as SillyTavern's parser does, and
 * nothing else, so `--autorun check-access` still runs check-access.
 * @example ignoreSillyTavernFlags(['--autorun', 'false', '--port', '80']) // { argv: ['--port', '80'], ignored: ['--autorun'] }
 */
export function ignoreSillyTavernFlags (argv: readonly string[]): { argv: string[], ignored: string[] } {
  const kept: string[] = []
  const ignored: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      kept.push(...argv.slice(i))
      break
    }
    const [name = '', inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s) : []
    const spec = IGNORED_SILLYTAVERN_FLAGS.find((f) => f.flag === name || `no-${f.flag}` === name)
    if (spec === undefined) {
      kept.push(arg)
      continue
    }
    if (!ignored.includes(`--${spec.flag}`)) ignored.push(`--${spec.flag}`)
    if (inline !== undefined) continue
    const takes = (next: string | undefined): boolean => next !== undefined && !next.startsWith('-') &&
      (spec.value !== undefined || BOOLEAN_WORD.test(next))
    if (spec.value === 'list') while (takes(argv[i + 1])) i++
    else if (takes(argv[i + 1])) i++
  }
  return { argv: kept, ignored }
}

export interface ParsedFlags {
  flags: Partial<Record<KeyPath, { value: unknown, flag: string }>>
  configPath?: string
  debug: boolean
}

function checker (type: ValueType<unknown>, resolvePath: (value: string) => string = (value) => value): (text: string) => unknown {
  return (text) => {
    const value = type.check(type.fromText(text))
    if (value === undefined) throw new InvalidArgumentError(`Expected ${type.expected}.`)
    return typeof value === 'string' && value !== '' ? resolvePath(value) : value
  }
}

/** Adds the config-related flags (server flags, --configPath, --debug) to a command. */
export function addConfigFlags (command: Command, cwd: string): Command {
  for (const spec of SERVER_FLAGS) {
    const parse = checker(KEYS[spec.key], spec.isPath === true ? (path) => resolve(cwd, path) : undefined)
    command.addOption(new Option(`--${spec.flag} ${spec.arg}`, spec.description).argParser(parse))
    if (spec.negatable === true) command.addOption(new Option(`--no-${spec.flag}`, `same as --${spec.flag}=false`).hideHelp())
  }
  command.option('--configPath <path>', 'config file to use; its folder is the base directory for relative paths (default: ./config.yaml)')
  command.option('--debug', 'print stack traces with errors')
  return command
}

/** Reads the parsed options of a command back as config keys. */
export function parsedFlags (command: Command): ParsedFlags {
  const options = command.optsWithGlobals<Record<string, unknown>>()
  const flags: ParsedFlags['flags'] = {}
  for (const spec of SERVER_FLAGS) {
    const value = options[spec.flag]
    // `--no-listen` (or --listen=false) is named so: it reads right in "set by --no-listen".
    if (value !== undefined) flags[spec.key] = { value, flag: value === false && spec.negatable === true ? `--no-${spec.flag}` : `--${spec.flag}` }
  }
  const configPath = options.configPath
  return {
    flags,
    ...(typeof configPath === 'string' ? { configPath } : {}),
    debug: options.debug === true
  }
}
