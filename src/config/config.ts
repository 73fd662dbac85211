/**
 * The validated configuration every other module receives: nested like config.yaml, paths made
 * absolute against the base directory, deeply frozen.
 */
import { isAbsolute, resolve } from 'node:path'
import type { FlatConfig, KeyPath } from './schema.js'
import type { ValueSource } from './value-source.js'

export interface Config {
  /**
   * The config file in use, and the folder holding it that relative paths resolve against. Without
   * a config file (TAVERN_NO_CONFIG_FILE), configPath names the environment instead, for messages.
   */
  readonly configPath: string
  readonly baseDir: string
  readonly listen: boolean
  readonly port: number
  readonly protocol: { readonly ipv4: boolean | 'auto', readonly ipv6: boolean | 'auto' }
  readonly listenAddress: { readonly ipv4: string, readonly ipv6: string }
  /** Draw a QR code of the first LAN address at start: 'auto' only on a terminal. */
  readonly qrCode: boolean | 'auto'
  readonly whitelistMode: boolean
  readonly whitelist: readonly string[]
  readonly enableForwardedWhitelist: boolean
  readonly whitelistDockerHosts: boolean
  readonly trustedProxies: readonly string[]
  readonly forwardedHeaders: {
    readonly xRealIp: boolean
    readonly xForwardedFor: boolean
    readonly cfConnectingIp: boolean
    readonly forwarded: boolean
  }
  readonly hostWhitelist: { readonly enabled: boolean, readonly hosts: readonly string[] }
  readonly basicAuthMode: boolean
  readonly basicAuthUser: { readonly username: string, readonly password: string }
  readonly enableUserAccounts: boolean
  readonly perUserBasicAuth: boolean
  readonly enableDiscreetLogin: boolean
  readonly sessionTimeout: number
  readonly sessionLifetime: number
  readonly satisfy: 'all' | 'any'
  readonly rateLimiting: {
    readonly basicAuthMaxAttempts: number
    readonly accountsLoginMaxAttempts: number
    readonly windowSeconds: number
    readonly maxLockoutSeconds: number
    readonly passwordChecksAtOnce: number
    readonly passwordChecksWaiting: number
  }
  readonly connections: {
    readonly headersTimeoutSeconds: number
    readonly requestTimeoutSeconds: number
    readonly maxPerAddress: number
  }
  readonly securityOverride: boolean
  readonly ssl: {
    readonly enabled: boolean
    readonly keyPath: string
    readonly certPath: string
    readonly keyPassphrase: string
    readonly hstsMaxAgeSeconds: number
  }
  readonly logging: {
    readonly enableAccessLog: boolean
    readonly accessLogPath: string
    readonly minLogLevel: 'debug' | 'info' | 'warn' | 'error'
  }
  readonly dataRoot: string
  readonly app: {
    /** The folder of static files; absent when not configured. */
    readonly root?: string
    /** The upstream's origin (`http://127.0.0.1:8001`); absent when not configured. */
    readonly upstream?: string
    /** The header carrying the authenticated user name to the upstream; '' = none. */
    readonly userHeader: string
    readonly maxBodyMB: number
    readonly responseTimeoutSeconds: number
    readonly forwardClientAddress: boolean
  }
  /** Where each key's value came from: default, config file and line, environment variable, flag. */
  readonly sources: Readonly<Record<KeyPath, ValueSource>>
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** Builds the nested, frozen Config from validated flat values. */
export function toConfig (flat: FlatConfig, configPath: string, baseDir: string, sources: Record<KeyPath, ValueSource>): Config {
  const at = (p: string): string => isAbsolute(p) ? p : resolve(baseDir, p)
  const config: Config = {
    configPath,
    baseDir,
    listen: flat.listen,
    port: flat.port,
    protocol: { ipv4: flat['protocol.ipv4'], ipv6: flat['protocol.ipv6'] },
    listenAddress: { ipv4: flat['listenAddress.ipv4'], ipv6: flat['listenAddress.ipv6'] },
    qrCode: flat.qrCode,
    whitelistMode: flat.whitelistMode,
    whitelist: flat.whitelist,
    enableForwardedWhitelist: flat.enableForwardedWhitelist,
    whitelistDockerHosts: flat.whitelistDockerHosts,
    trustedProxies: flat.trustedProxies,
    forwardedHeaders: {
      xRealIp: flat['forwardedHeaders.xRealIp'],
      xForwardedFor: flat['forwardedHeaders.xForwardedFor'],
      cfConnectingIp: flat['forwardedHeaders.cfConnectingIp'],
      forwarded: flat['forwardedHeaders.forwarded']
    },
    hostWhitelist: { enabled: flat['hostWhitelist.enabled'], hosts: flat['hostWhitelist.hosts'] },
    basicAuthMode: flat.basicAuthMode,
    basicAuthUser: {
      username: flat['basicAuthUser.username'],
      password: flat['basicAuthUser.password']
    },
    enableUserAccounts: flat.enableUserAccounts,
    perUserBasicAuth: flat.perUserBasicAuth,
    enableDiscreetLogin: flat.enableDiscreetLogin,
    sessionTimeout: flat.sessionTimeout,
    sessionLifetime: flat.sessionLifetime,
    satisfy: flat.satisfy,
    rateLimiting: {
      basicAuthMaxAttempts: flat['rateLimiting.basicAuthMaxAttempts'],
      accountsLoginMaxAttempts: flat['rateLimiting.accountsLoginMaxAttempts'],
      windowSeconds: flat['rateLimiting.windowSeconds'],
      maxLockoutSeconds: flat['rateLimiting.maxLockoutSeconds'],
      passwordChecksAtOnce: flat['rateLimiting.passwordChecksAtOnce'],
      passwordChecksWaiting: flat['rateLimiting.passwordChecksWaiting']
    },
    connections: {
      headersTimeoutSeconds: flat['connections.headersTimeoutSeconds'],
      requestTimeoutSeconds: flat['connections.requestTimeoutSeconds'],
      maxPerAddress: flat['connections.maxPerAddress']
    },
    securityOverride: flat.securityOverride,
    ssl: {
      enabled: flat['ssl.enabled'],
      keyPath: at(flat['ssl.keyPath']),
      certPath: at(flat['ssl.certPath']),
      keyPassphrase: flat['ssl.keyPassphrase'],
      hstsMaxAgeSeconds: flat['ssl.hstsMaxAgeSeconds']
    },
    logging: {
      enableAccessLog: flat['logging.enableAccessLog'],
      accessLogPath: at(flat['logging.accessLogPath']),
      minLogLevel: flat['logging.minLogLevel']
    },
    dataRoot: at(flat.dataRoot),
    app: {
      ...(flat['app.root'] === '' ? {} : { root: at(flat['app.root']) }),
      ...(flat['app.upstream'] === '' ? {} : { upstream: flat['app.upstream'] }),
      userHeader: flat['app.userHeader'],
      maxBodyMB: flat['app.maxBodyMB'],
      responseTimeoutSeconds: flat['app.responseTimeoutSeconds'],
      forwardClientAddress: flat['app.forwardClientAddress']
    },
    sources: { ...sources }
  }
  return deepFreeze(config)
}
