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

export interface ParsedFlags {
  flags: Partial<Record<KeyPath, { value: unknown, flag: string }>>
  configPath?: string
  debug: boolean
}

function checker (spec: FlagSpec, cwd: string): (text: string) => unknown {
  const type = KEYS[spec.key]
  return (text) => {
    const value = type.check(type.fromText(text))
    if (value === undefined) throw new InvalidArgumentError(`Expected ${type.expected}.`)
    return spec.isPath === true && value !== '' ? resolve(cwd, value as string) : value
  }
}

/** Adds the config-related flags (server flags, --configPath, --debug) to a command. */
export function addConfigFlags (command: Command, cwd: string): Command {
  for (const spec of SERVER_FLAGS) {
    command.addOption(new Option(`--${spec.flag} ${spec.arg}`, spec.description).argParser(checker(spec, cwd)))
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
    if (value !== undefined) flags[spec.key] = { value, flag: `--${spec.flag}` }
  }
  const configPath = options.configPath
  return {
    flags,
    ...(typeof configPath === 'string' ? { configPath } : {}),
    debug: options.debug === true
  }
}
