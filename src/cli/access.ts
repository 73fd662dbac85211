/**
 * Puts the access rules together from the config: trusted proxies, the Host guard, the
 * whitelist (whitelist.txt or the config key, plus Docker hosts), Basic auth with its limits,
 * the access log; and keeps them current when the files change or on SIGHUP.
 */
import { basename, dirname, isAbsolute, join } from 'node:path'
import { BasicAuthChecker } from '../access/basic-auth.js'
import { AccountBasicChecker } from '../accounts/account-basic.js'
import { PasswordCheck } from '../accounts/password-check.js'
import { createClientAddressResolver } from '../access/client-address.js'
import { dockerHostRules } from '../access/docker-hosts.js'
import type { ContainerProbe } from '../access/docker-hosts.js'
import { FailureLimiter } from '../access/failure-limiter.js'
import { createHostGuard, ownHostNames } from '../access/host-guard.js'
import { compileIpRules } from '../access/ip-rules.js'
import type { IpMatcher, RuleSource } from '../access/ip-rules.js'
import { looksHashed } from '../access/password-hash.js'
import { compileWhitelist, describeWhitelist, forbiddenAdvice, WHITELIST_FILE } from '../access/whitelist.js'
import type { Whitelist } from '../access/whitelist.js'
import type { Config } from '../config/config.js'
import { describeItem } from '../config/value-source.js'
import { TVS_ERR_ACCESS_LOG } from '../errors.js'
import { commandLine } from '../invocation.js'
import { openAccessLog, RETRY_MS } from '../log/access-log.js'
import type { AccessLog } from '../log/access-log.js'
import { createAccessRecorder } from '../log/access-recorder.js'
import { TunnelSightings } from '../log/tunnel-sightings.js'
import type { Logger } from '../log/console.js'
import type { Lifecycle } from '../server/lifecycle.js'
import type { BasicAuth, SecurityPolicy } from '../server/security-policy.js'
import type { AccountService } from '../server/account-gate.js'
import { SessionCookie } from '../server/session-cookie.js'
import { watchFiles } from '../server/file-watch.js'
import type { OpenedAccounts } from './accounts.js'
import { tunnelForbiddenAdvice, tunnelNotice } from './tunnel-notice.js'

export interface AccessSetup {
  policy: SecurityPolicy
  /** The whitelist in force (an empty one when whitelistMode is false). */
  whitelist: () => IpMatcher
  /** What to add an address to, to whitelist it: whitelist.txt or the whitelist key of config.yaml. */
  whitelistAddTo: () => string
  /** The Docker host addresses admitted besides the whitelist (in a container). */
  dockerHosts: readonly string[]
  /** The number of whitelist entries in force (0 when whitelistMode is false). */
  whitelistEntries: () => number
  /** Whether a password is asked: Basic auth with credentials someone can log in with. */
  passwordRequired: () => boolean
  /** The tunnels that have relayed requests so far (issue 15). */
  tunnels: TunnelSightings
  /** Start-up lines (the whitelist in force, Docker hosts) and warnings (plain-text password, ...). */
  lines: string[]
  warnings: string[]
}

/**
 * The Docker host rules, when the config asks for them and the server runs in a container. With
 * listen: false the server answers this computer only, where the Docker host never connects
 * from: no rules, and no start-up line about them (issue 11).
 */
export async function dockerRules (config: Config, probe: ContainerProbe): Promise<{ rules: RuleSource[], lines: string[] }> {
  return config.listen && config.whitelistMode && config.whitelistDockerHosts ? dockerHostRules(probe, config.configPath) : { rules: [], lines: [] }
}

function openLog (config: Config, logger: Logger): AccessLog | undefined {
  if (!config.logging.enableAccessLog) return undefined
  const path = config.logging.accessLogPath
  try {
    return openAccessLog(path, (error, fallback) => {
      logger.warn(`Cannot write the access log ${path} (${error.message}): ${fallback === 'previous-file'
        ? 'its lines go on to the file it had open before (the rotated one)'
        : 'its lines are counted, not written'}. Check that ${dirname(path)} is a folder where this user may write ${basename(path)}, then send SIGHUP (it is also tried every ${RETRY_MS / 1000} seconds while requests come).`)
    }, {
      onRecovered: (lost) => { logger.warn(logWrittenAgain(path, lost)) }
    })
  } catch (error) {
    throw new TVS_ERR_ACCESS_LOG(path, (error as Error).message, { cause: error })
  }
}

/** Addresses and user names whose failures are counted; beyond this the oldest are forgotten. */
const LIMITER_CAPACITY = 10_000

/** Per-user Basic auth: Basic credentials are accounts' (perUserBasicAuth needs accounts on). */
function perUser (config: Config): boolean {
  return config.basicAuthMode && config.perUserBasicAuth && config.enableUserAccounts
}

function basicCredentials (config: Config): { username: string, password: string } {
  // With per-user Basic auth the shared credentials are not used: nobody logs in with them.
  return perUser(config) ? { username: '', password: '' } : config.basicAuthUser
}


/** What the console says once the access log can be written again, `lost` lines later. */
export function logWrittenAgain (path: string, lost: number): string {
  return `The access log ${path} is written again${lost === 0 ? '.' : `; ${lost} line${lost === 1 ? '' : 's'} could not be written meanwhile.`}`
}
/**
 * Whether a password is asked of a device that the whitelist does not admit alone: Basic auth
 * with credentials someone can log in with, or user accounts (a login page).
 */
export function passwordInForce (config: Config): boolean {
  const { username, password } = basicCredentials(config)
  return config.enableUserAccounts || (config.basicAuthMode && username !== '' && password !== '')
}

function basicAuthWarnings (config: Config, checker: { disabled: boolean }): string[] {
  if (perUser(config)) {
    return checker.disabled ? [`perUserBasicAuth is on but no enabled account has a password: nobody can log in until one is set (${commandLine('users passwd <handle>')}).`] : []
  }
  if (checker.disabled) {
    return [`basicAuthMode is on but basicAuthUser.username or basicAuthUser.password is empty in ${config.configPath}: nobody can log in until both are set.`]
  }
  if (!looksHashed(config.basicAuthUser.password)) {
    return [`basicAuthUser.password is stored in plain text in ${config.configPath}. Run \`${commandLine('hash-password')}\` and put the hash it prints there instead.`]
  }
  return []
}

/**
 * Failed attempts allowed: Basic auth and the login page share one budget, so with both on the
 * smaller of their limits applies (0 turns a limit off).
 */
export function attemptsAllowed (config: Config): number {
  const { basicAuthMaxAttempts: basic, accountsLoginMaxAttempts: login } = config.rateLimiting
  if (!config.enableUserAccounts) return basic
  if (!config.basicAuthMode) return login
  return basic === 0 || login === 0 ? Math.max(basic, login) : Math.min(basic, login)
}

function createLimits (config: Config, now: () => number): { byAddress: FailureLimiter, byUser: FailureLimiter } {
  const limiter = (): FailureLimiter => new FailureLimiter({
    maxAttempts: attemptsAllowed(config),
    windowMs: config.rateLimiting.windowSeconds * 1000,
    maxLockoutMs: config.rateLimiting.maxLockoutSeconds * 1000,
    capacity: LIMITER_CAPACITY,
    now
  })
  return { byAddress: limiter(), byUser: limiter() }
}

/** log2 of scrypt's cost for account passwords hashed by the server. */
export const ACCOUNT_HASH_COST = 15

export interface AccessSetupOptions {
  config: Config
  /** Loads the config again, as at start-up (for reloads). */
  reloadConfig: () => Config
  hostname: string
  probe: ContainerProbe
  logger: Logger
  lifecycle: Lifecycle
  print: (line: string) => void
  printError: (line: string) => void
  now?: () => number
  /** The accounts, when enableUserAccounts is on (openAccounts). */
  accounts?: OpenedAccounts
  /** log2 of scrypt's cost of new account passwords (tests make it cheaper). */
  hashCost?: number
}

function accountService (config: Config, opened: OpenedAccounts, verifier: BasicAuthChecker, limits: AccountService['limits'], logger: Logger, now: () => number, hashCost: number): AccountService {
  return {
    store: opened.store,
    sessions: opened.sessions,
    passwords: new PasswordCheck({ find: (handle) => opened.store.find(handle), bounded: (work, lane) => verifier.bounded(work, lane), logN: hashCost }),
    cookie: new SessionCookie(config.port),
    limits,
    perUserBasic: perUser(config),
    discreet: config.enableDiscreetLogin,
    browserSessionCookie: config.sessionTimeout === 0,
    lifetimeSeconds: config.sessionLifetime,
    logger,
    now
  }
}

export async function setUpAccess (options: AccessSetupOptions): Promise<AccessSetup> {
  const { config, lifecycle, logger } = options
  const now = options.now ?? Date.now
  const trusted = compileIpRules(config.trustedProxies.map((entry, i) => ({ entry, source: describeItem(config.sources.trustedProxies, 'trustedProxies', i) })), 'trustedProxies')
  const docker = await dockerRules(config, options.probe)
  const compiled = config.whitelistMode ? compileWhitelist(config, docker.rules) : undefined
  const whitelist = compiled === undefined ? undefined : { current: compiled.matcher, advice: forbiddenAdvice(config, compiled.list) }
  let addTo = compiled?.list.addTo ?? `whitelist in ${config.configPath}`
  const limits = createLimits(config, now)
  // Basic auth's checker; with accounts, logins and per-user Basic auth hash in its bounded slots
  // too (without shared credentials it lets no Basic login in itself).
  const checks = { parallel: config.rateLimiting.passwordChecksAtOnce, queue: config.rateLimiting.passwordChecksWaiting }
  const shared = config.basicAuthMode || options.accounts !== undefined ? new BasicAuthChecker(basicCredentials(config), config.configPath, checks) : undefined
  const accounts = options.accounts === undefined || shared === undefined
    ? undefined
    : accountService(config, options.accounts, shared, limits, logger, now, options.hashCost ?? ACCOUNT_HASH_COST)
  const basicAuth: BasicAuth | undefined = !config.basicAuthMode || shared === undefined
    ? undefined
    : accounts !== undefined && accounts.perUserBasic
      ? { checker: new AccountBasicChecker(accounts.store, accounts.passwords), ...limits, prompt: 'Use the user name and password of your account on this server.' }
      : { checker: shared, ...limits }
  let entries = compiled?.entries ?? 0
  const none = compileIpRules([], 'whitelist')
  // Everything that can fail at start-up is done before anything is registered to be closed.
  const log = openLog(config, logger)
  if (log !== undefined) {
    lifecycle.onReload(() => log.reopen(), 'reopening the access log')
    lifecycle.onClose(() => log.close())
  }

  // What can change without a restart: the whitelist and the Basic auth credentials.
  let credentials = JSON.stringify(basicCredentials(config))
  const reload = (): void => {
    let fresh: Config
    try {
      fresh = options.reloadConfig()
    } catch (error) {
      options.printError(`${config.configPath} not reloaded, keeping the previous settings: ${(error as Error).message}`)
      return
    }
    if (whitelist !== undefined) {
      try {
        const next: Whitelist = compileWhitelist(fresh, docker.rules)
        whitelist.current = next.matcher
        whitelist.advice = forbiddenAdvice(fresh, next.list)
        addTo = next.list.addTo
        entries = next.entries
        options.print(`whitelist reloaded: ${describeWhitelist(next)}`)
      } catch (error) {
        options.printError(`whitelist not reloaded, keeping the previous list: ${(error as Error).message}`)
      }
    }
    const freshCredentials = JSON.stringify(basicCredentials(fresh))
    if (basicAuth !== undefined && shared !== undefined && freshCredentials !== credentials) {
      try {
        shared.update(basicCredentials(fresh))
        credentials = freshCredentials
        options.print('basicAuthUser reloaded: remembered logins forgotten')
      } catch (error) {
        options.printError(`basicAuthUser not reloaded, keeping the previous credentials: ${(error as Error).message}`)
      }
    }
  }
  if (whitelist !== undefined || basicAuth !== undefined) {
    lifecycle.onReload(reload, 'reloading the config')
    // Without a config file (TAVERN_NO_CONFIG_FILE), configPath names the environment: only whitelist.txt is watched.
    const files = [config.configPath, join(config.baseDir, WHITELIST_FILE)].filter((file) => isAbsolute(file))
    const watch = watchFiles(files, () => { void lifecycle.attempt('reloading the config', reload) }, {
      /* c8 ignore next -- the base directory exists: config.yaml was just read from it */
      onError: (error, folder) => { options.printError(`Not watching ${folder} for changes (${error.message}); kill -HUP reloads instead.`) }
    })
    lifecycle.onClose(() => { watch.close() })
  }

  const passwordRequired = (): boolean => (basicAuth !== undefined && !basicAuth.checker.disabled) || accounts !== undefined
  const tunnels = new TunnelSightings((sighting) => { logger.warn(tunnelNotice(config, sighting, passwordRequired())) }, now)
  return {
    policy: {
      config,
      resolver: createClientAddressResolver(trusted, config.forwardedHeaders),
      hostGuard: config.hostWhitelist.enabled ? createHostGuard(ownHostNames(options.hostname), config.hostWhitelist.hosts) : undefined,
      whitelist,
      basicAuth,
      accounts,
      recorder: createAccessRecorder(log, logger, now),
      consumedCookies: accounts === undefined ? [] : [accounts.cookie],
      tunnels,
      tunnelAdvice: tunnelForbiddenAdvice(config, passwordRequired())
    },
    whitelist: () => whitelist?.current ?? none,
    whitelistAddTo: () => addTo,
    dockerHosts: docker.rules.map((r) => r.entry),
    whitelistEntries: () => entries,
    passwordRequired,
    tunnels,
    lines: [...(compiled === undefined ? [] : [`Whitelist: ${describeWhitelist(compiled)}.`]), ...docker.lines],
    warnings: basicAuth === undefined ? [] : basicAuthWarnings(config, basicAuth.checker)
  }
}
