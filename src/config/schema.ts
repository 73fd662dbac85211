/**
 * Every config key tavern-server reads, with its type. Defaults are not here: they live only in
 * default/config.yaml. Arrays are values, never merged item by item.
 */
import * as t from './types.js'
import type { ValueType } from './types.js'

export const KEYS = {
  listen: t.boolean,
  port: t.port,
  'protocol.ipv4': t.protocol,
  'protocol.ipv6': t.protocol,
  'listenAddress.ipv4': t.ipv4Address,
  'listenAddress.ipv6': t.ipv6Address,
  qrCode: t.protocol,
  whitelistMode: t.boolean,
  whitelist: t.textList,
  enableForwardedWhitelist: t.boolean,
  whitelistDockerHosts: t.boolean,
  trustedProxies: t.textList,
  'forwardedHeaders.xRealIp': t.boolean,
  'forwardedHeaders.xForwardedFor': t.boolean,
  'forwardedHeaders.cfConnectingIp': t.boolean,
  'forwardedHeaders.forwarded': t.boolean,
  'hostWhitelist.enabled': t.boolean,
  'hostWhitelist.hosts': t.textList,
  basicAuthMode: t.boolean,
  'basicAuthUser.username': t.text,
  'basicAuthUser.password': t.text,
  enableUserAccounts: t.boolean,
  perUserBasicAuth: t.boolean,
  enableDiscreetLogin: t.boolean,
  sessionTimeout: t.integer(-1, 400 * 86400, 'a number of seconds (-1 means 400 days)'),
  sessionLifetime: t.integer(60, 400 * 86400, 'a number of seconds from 60 to 34560000 (400 days)'),
  satisfy: t.oneOf(['all', 'any'] as const),
  'rateLimiting.basicAuthMaxAttempts': t.integer(0, 1e6, 'a whole number, 0 to turn the limit off'),
  'rateLimiting.accountsLoginMaxAttempts': t.integer(0, 1e6, 'a whole number, 0 to turn the limit off'),
  'rateLimiting.windowSeconds': t.integer(1, 86400, 'a number of seconds from 1 to 86400'),
  'rateLimiting.maxLockoutSeconds': t.integer(1, 30 * 86400, 'a number of seconds from 1 to 2592000'),
  'rateLimiting.passwordChecksAtOnce': t.integer(1, 16, 'a whole number from 1 to 16'),
  'rateLimiting.passwordChecksWaiting': t.integer(1, 10000, 'a whole number from 1 to 10000'),
  'connections.headersTimeoutSeconds': t.integer(1, 3600, 'a number of seconds from 1 to 3600'),
  'connections.requestTimeoutSeconds': t.integer(0, 86400, 'a number of seconds from 0 (no limit) to 86400'),
  'connections.maxPerAddress': t.integer(0, 1e6, 'a whole number, 0 to turn the limit off'),
  securityOverride: t.boolean,
  'ssl.enabled': t.boolean,
  'ssl.keyPath': t.path(false),
  'ssl.certPath': t.path(false),
  'ssl.keyPassphrase': t.text,
  'ssl.hstsMaxAgeSeconds': t.integer(0, 2 * 365 * 86400, 'a number of seconds from 0 (off) to 63072000 (two years)'),
  'logging.enableAccessLog': t.boolean,
  'logging.accessLogPath': t.path(false),
  'logging.minLogLevel': t.logLevel,
  dataRoot: t.path(false),
  'app.root': t.path(true),
  'app.upstream': t.upstreamUrl,
  'app.userHeader': t.headerName,
  'app.maxBodyMB': t.integer(1, 1024 * 1024, 'a whole number of megabytes, at least 1'),
  'app.responseTimeoutSeconds': t.integer(1, 86400, 'a number of seconds from 1 to 86400'),
  'app.forwardClientAddress': t.boolean
} as const satisfies Record<string, ValueType<unknown>>

export type KeyPath = keyof typeof KEYS
type ValueOf<K extends KeyPath> = (typeof KEYS)[K] extends ValueType<infer V> ? V : never
/** Flat, validated values, before paths are resolved. */
export type FlatConfig = { [K in KeyPath]: ValueOf<K> }

export const KEY_PATHS = Object.keys(KEYS) as KeyPath[]

/**
 * SillyTavern keys that tavern-server knows and does not use: accepted quietly, so a user's
 * existing SillyTavern config.yaml does not fill the console with warnings.
 */
export const SILLYTAVERN_ONLY_KEYS: readonly string[] = [
  'allowKeysExposure', 'autorun', 'autorunHostname', 'autorunPortOverride', 'avoidLocalhost',
  'backups', 'browserLaunch', 'cacheBuster', 'claude', 'cookieSecret', 'cors', 'deepl',
  'disableCsrfProtection', 'dnsPreferIPv6', 'enableCorsProxy', 'enableDownloadableTokenizers',
  'enableKeepAlive', 'enableServerPlugins', 'enableServerPluginsAutoUpdate', 'extensions', 'gemini',
  'heartbeatInterval', 'hostWhitelist.scan', 'mistral', 'ollama', 'openai', 'performance',
  'privateAddressWhitelist', 'promptPlaceholder', 'rateLimiting.preferRealIpHeader', 'requestProxy',
  'skipContentCheck', 'sso', 'thumbnails', 'whitelistImportDomains',
  'minLogLevel', 'autheliaAuth', 'authentikAuth'
]

/** The environment variable names for a key: TAVERN_ first, SILLYTAVERN_ as an alias. */
export function envNames (key: string): [string, string] {
  const suffix = key.toUpperCase().replace(/\./g, '_')
  return [`TAVERN_${suffix}`, `SILLYTAVERN_${suffix}`]
}
