/**
 * The start-up gate (DESIGN.md section 4, step 3): listening on the network needs at least one
 * access control that really keeps strangers out. A whitelist admitting every address, Basic
 * auth with empty or SillyTavern's old default credentials, or user accounts of which one is
 * enabled without a password, does not count.
 */
import type { Config } from '../config/config.js'
import type { KeyPath } from '../config/schema.js'
import { describeSource } from '../config/value-source.js'
import { commandLine } from '../invocation.js'
import type { IpMatcher } from './ip-rules.js'

export interface GateInput {
  config: Config
  /** The compiled whitelist in force. */
  whitelist: IpMatcher
  /** The address families the server listens on. */
  families: ReadonlyArray<4 | 6>
  /** Networks of this machine's interfaces (`192.168.1.0/24`), for the example fix. */
  lanNetworks?: readonly string[]
  /** Where the whitelist in force is: `whitelist in /srv/config.yaml`, or whitelist.txt. */
  whitelistAddTo: string
  /** With enableUserAccounts: how many accounts are enabled, and which of them have no password. */
  accounts?: { enabled: number, withoutPassword: readonly string[] }
}

export interface GateResult {
  /** The controls that keep strangers out, in words (empty: unprotected). */
  protections: string[]
  /** Why each configured-but-ineffective control does not count. */
  gaps: string[]
}

const FAMILY_NAME = { 4: 'IPv4', 6: 'IPv6' } as const

/**
 * ` (environment variable TAVERN_X)` when a key's value does not come from the config file: an
 * edit of config.yaml would not change it.
 */
function via (config: Config, key: KeyPath): string {
  const source = config.sources[key]
  return source.kind === 'env' || source.kind === 'flag' ? ` (${describeSource(source)})` : ''
}

/** `; it is now set by --listen on the command line`, when the file does not decide. */
function setBy (config: Config, key: KeyPath): string {
  const source = config.sources[key]
  return source.kind === 'env' || source.kind === 'flag' ? `; it is now set by ${describeSource(source)}` : ''
}

function whitelistGap (input: GateInput): string | undefined {
  const { config, whitelist, families } = input
  if (!config.whitelistMode) return `whitelistMode is false${via(config, 'whitelistMode')}`
  const open = families.filter((f) => whitelist.admitsAll(f))
  if (open.length === 0) return undefined
  return `the whitelist admits every ${open.map((f) => FAMILY_NAME[f]).join(' and ')} address`
}

/** Per-user Basic auth: Basic credentials are those of the user accounts. */
function perUser (config: Config): boolean {
  return config.basicAuthMode && config.perUserBasicAuth && config.enableUserAccounts
}

function basicAuthGap (input: GateInput): string | undefined {
  const { config } = input
  if (!config.basicAuthMode) return `basicAuthMode is false${via(config, 'basicAuthMode')}`
  if (perUser(config)) return accountsGap(input)
  const { username, password } = config.basicAuthUser
  if (username === '' || password === '') {
    return `basicAuthMode is true but basicAuthUser.${username === '' ? 'username' : 'password'} is empty`
  }
  if (username === 'user' && password === 'password') {
    return 'basicAuthUser is SillyTavern\'s old default user/password, which anyone can guess'
  }
  return undefined
}

/** Accounts are switched on: they protect only when every enabled account has a password. */
function accountsGap (input: GateInput): string | undefined {
  const { accounts } = input
  if (accounts === undefined || accounts.enabled === 0) return 'enableUserAccounts is true, but no account is enabled'
  if (accounts.withoutPassword.length > 0) {
    return `enableUserAccounts is true, but these enabled accounts have no password: ${accounts.withoutPassword.join(', ')}`
  }
  return undefined
}

/**
 * Which access controls protect a server that listens on the network.
 * @example assessAccessControl({ config, whitelist, families: [4] }).protections // ['the IP whitelist']
 */
export function assessAccessControl (input: GateInput): GateResult {
  const { config } = input
  const protections: string[] = []
  const gaps: string[] = []
  const note = (gap: string | undefined, protection: string): void => {
    if (gap === undefined) protections.push(protection)
    else if (!gaps.includes(gap)) gaps.push(gap)
  }
  const passwordGap = basicAuthGap(input)
  const accounts = config.enableUserAccounts ? accountsGap(input) : `enableUserAccounts is false${via(config, 'enableUserAccounts')}`
  if (config.satisfy === 'any') {
    // `any` lets whitelisted addresses skip authentication, so only a password keeps strangers out.
    if (passwordGap !== undefined && accounts !== undefined) {
      gaps.push('satisfy is any, which lets whitelisted addresses in without a password and needs a password for everyone else, but no password is set up')
    }
  } else {
    note(whitelistGap(input), 'the IP whitelist')
  }
  note(passwordGap, perUser(config) ? 'per-user Basic authentication' : 'Basic authentication')
  note(accounts, 'user accounts')
  return { protections, gaps }
}

/**
 * The shared-password fix that applies to the configuration as it is; none with per-user Basic
 * auth, whose passwords are the accounts' (see accountsFix).
 */
function passwordFix (config: Config): string | undefined {
  const hash = `${commandLine('hash-password')} makes a hash to store instead of the password`
  if (!config.basicAuthMode) return `basicAuthMode: true, with basicAuthUser.username and basicAuthUser.password set (${hash});`
  if (perUser(config)) return undefined
  const { username, password } = config.basicAuthUser
  if (username === 'user' && password === 'password') return `a basicAuthUser.username and basicAuthUser.password of your own instead of SillyTavern's old user/password (${hash});`
  return `both basicAuthUser.username and basicAuthUser.password set (${hash});`
}

/** With accounts on, what makes them count: a password on every enabled account. */
function accountsFix (input: GateInput): string | undefined {
  const { config, accounts } = input
  if (!config.enableUserAccounts) return undefined
  if (accounts === undefined || accounts.enabled === 0) return `an enabled account with a password: ${commandLine('users add <handle>')} or ${commandLine('users enable <handle>')};`
  if (accounts.withoutPassword.length === 0) return undefined
  return `a password on every enabled account: ${commandLine('users passwd <handle>')} (for ${accounts.withoutPassword.join(', ')}), or ${commandLine('users disable <handle>')};`
}

/** The refusal: what is missing, and the fixes that apply to this configuration. */
export function refusalMessage (result: GateResult, input: GateInput): string {
  const { config } = input
  const example = input.lanNetworks?.[0] ?? '192.168.1.0/24'
  const whitelistFix = config.satisfy === 'any'
    ? `satisfy: all, so that the whitelist keeps out the addresses it does not list (with your devices' addresses in whitelist, for example ${example});`
    : !config.whitelistMode
        ? `whitelistMode: true, with your devices' addresses in whitelist (for example ${example}), and no 0.0.0.0/0 or *.*.*.* entry;`
        : `your devices' addresses in ${input.whitelistAddTo} (for example ${example}) instead of the entries that admit every address (0.0.0.0/0, *.*.*.*, ::/0);`
  return [
    'Refusing to listen on the network with no access control: anyone who can reach this computer could use it.',
    `Why: ${result.gaps.join('; ')}.`,
    `Fix one of these in ${config.configPath}, then start again:`,
    `  - ${whitelistFix}`,
    ...[passwordFix(config), accountsFix(input)].filter((fix) => fix !== undefined).map((fix) => `  - ${fix}`),
    `  - listen: false, to use it from this computer only${setBy(config, 'listen')}.`,
    'Or set securityOverride: true (or pass --securityOverride) to start anyway, only on a network where every device is yours.'
  ].join('\n')
}

/** The loud warning when securityOverride starts an unprotected server. */
export function overrideWarning (result: GateResult, port: number): string {
  return [
    '!!! WARNING: securityOverride is on and no access control is effective !!!',
    `Anyone who can reach this computer on port ${port} can use tavern-server (${result.gaps.join('; ')}).`,
    'Turn on a whitelist or a password and set securityOverride: false as soon as you can.'
  ].join('\n')
}
