/**
 * `tavern-server config`: every key's effective value and where it came from (the default, the
 * config file and line, an environment variable, a flag), secrets hidden. A short config.yaml is
 * normal; this is where to look when a value is not the one expected.
 */
import { basename } from 'node:path'
import { dump } from 'js-yaml'
import { looksHashed } from '../access/password-hash.js'
import type { Config } from '../config/config.js'
import { KEY_PATHS } from '../config/schema.js'
import type { KeyPath } from '../config/schema.js'
import type { ValueSource } from '../config/value-source.js'

/** Keys whose values are never printed. */
export const SECRET_KEYS: ReadonlySet<KeyPath> = new Set(['basicAuthUser.password', 'ssl.keyPassphrase'])

/** Lists longer than this print their first entries and a count. */
const LIST_SHOWN = 10

/** A key's value in the nested Config: `protocol.ipv4` → config.protocol.ipv4. */
export function valueAt (config: Config, key: KeyPath): unknown {
  let value: unknown = config
  for (const part of key.split('.')) value = (value as Record<string, unknown>)[part]
  // app.root and app.upstream are absent when not set.
  return value ?? ''
}

function yaml (value: unknown): string {
  return dump(value, { flowLevel: 0, lineWidth: -1 }).trimEnd()
}

/** The value as it would be written in config.yaml; secrets hidden, long lists cut short. */
export function showValue (key: KeyPath, value: unknown): string {
  if (SECRET_KEYS.has(key) && value !== '') {
    return looksHashed(value as string) ? '(hidden: a scrypt hash)' : '(hidden)'
  }
  if (Array.isArray(value) && value.length > LIST_SHOWN) {
    return `${yaml(value.slice(0, LIST_SHOWN)).slice(0, -1)}, …] (${value.length} entries)`
  }
  return yaml(value)
}

function origin (source: ValueSource): string {
  switch (source.kind) {
    case 'default': return 'default'
    case 'file': return `${basename(source.file)}:${source.line}`
    case 'env': return `environment variable ${source.name}`
    case 'flag': return `${source.flag} on the command line`
  }
}

export interface WhitelistFile {
  /** whitelist.txt, when it exists: it replaces the whitelist key. */
  file: string
  entries: number
}

/**
 * The report, one line per key: `port: 8140  # config.yaml:1`.
 * @example io.stdout.write(configReport(config, undefined))
 */
export function configReport (config: Config, whitelistFile: WhitelistFile | undefined): string {
  const rows = KEY_PATHS.map((key) => {
    let note = origin(config.sources[key])
    if (key === 'whitelist' && whitelistFile !== undefined) note += `; not in force: ${basename(whitelistFile.file)} replaces it`
    return { left: `${key}: ${showValue(key, valueAt(config, key))}`, note }
  })
  if (whitelistFile !== undefined) {
    const index = KEY_PATHS.indexOf('whitelist') + 1
    rows.splice(index, 0, {
      left: `${basename(whitelistFile.file)}: ${whitelistFile.entries} entr${whitelistFile.entries === 1 ? 'y' : 'ies'}`,
      note: `${whitelistFile.file}; in force${config.whitelistMode ? '' : ' when whitelistMode is true'}`
    })
  }
  const width = Math.min(48, Math.max(...rows.map((r) => r.left.length)))
  return [
    `# The configuration tavern-server uses, from ${config.configPath}`,
    `# (relative paths resolve against ${config.baseDir}), with where each value comes from.`,
    '# Precedence: command-line flag, environment variable, config file, default.',
    ...rows.map((r) => `${r.left.padEnd(width)}  # ${r.note}`),
    ''
  ].join('\n')
}
