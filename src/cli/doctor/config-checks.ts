/**
 * doctor's checks of the files: which config.yaml is in force, whether edits to a
 * `default/config.yaml` are being ignored (the most common mistake in SillyTavern's own folder,
 * which has both files), and whether whitelist.txt replaces the config's whitelist.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { readWhitelist, WHITELIST_FILE } from '../../access/whitelist.js'
import type { Config } from '../../config/config.js'
import { ENVIRONMENT_SOURCE } from '../../config/environment-only.js'
import { DEFAULT_CONFIG_FILE } from '../../config/load.js'
import { KEY_PATHS, KEYS } from '../../config/schema.js'
import type { KeyPath } from '../../config/schema.js'
import { describeSource } from '../../config/value-source.js'
import { parseYamlFile } from '../../config/yaml-file.js'
import type { Check } from './report.js'

export function configCheck (config: Config, notices: readonly string[]): Check {
  if (config.configPath === ENVIRONMENT_SOURCE) {
    return { id: 'config', status: 'info', message: `no config.yaml: ${config.configPath} (TAVERN_NO_CONFIG_FILE), base directory ${config.baseDir}` }
  }
  const missing = notices.find((n) => n.startsWith('There is no '))
  if (missing !== undefined) return { id: 'config', status: 'info', message: missing }
  return { id: 'config', status: 'ok', message: `${config.configPath} is the config file in force (relative paths resolve against ${config.baseDir})` }
}

/** The value at a key path (`ssl.enabled`) of a parsed YAML document, checked by the key's type. */
function valueAt (document: unknown, key: KeyPath): unknown {
  let value = document
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value === undefined ? undefined : KEYS[key].check(value)
}

function parsed (file: string): unknown {
  try {
    return parseYamlFile(readFileSync(file, 'utf8'), file).value
  } catch {
    return undefined // a broken file is reported by loading the config, not here
  }
}

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value))

/**
 * A `default/config.yaml` (the one beside the config, as in SillyTavern's folder, or the shipped
 * one) changed after config.yaml was, and setting keys to values other than config.yaml's: the
 * edit has no effect, since config.yaml's keys win. Changed later is what tells an edit from a
 * default the user changed on purpose in config.yaml.
 */
export function ignoredDefaultsCheck (config: Config): Check | undefined {
  if (config.configPath === ENVIRONMENT_SOURCE || !existsSync(config.configPath)) return undefined
  const configTime = statSync(config.configPath).mtimeMs
  const user = parsed(config.configPath)
  const candidates = [...new Set([join(config.baseDir, 'default', 'config.yaml'), DEFAULT_CONFIG_FILE])]
  for (const file of candidates) {
    if (!existsSync(file) || statSync(file).mtimeMs <= configTime) continue
    const edited = parsed(file)
    const differing = KEY_PATHS.filter((key) => {
      if (config.sources[key].kind !== 'file') return false
      const there = valueAt(edited, key)
      return there !== undefined && JSON.stringify(there) !== JSON.stringify(valueAt(user, key))
    })
    if (differing.length === 0) continue
    const shown = differing.slice(0, 4)
    const more = differing.length > shown.length ? ` and ${differing.length - shown.length} more` : ''
    return {
      id: 'default/config.yaml',
      status: 'warning',
      class: 'not-listening',
      message: `${file} was changed after ${config.configPath} and sets ${shown.map((k) => `${k}: ${show(valueAt(edited, k))}`).join(', ')}${more}, ` +
        `but ${config.configPath} sets ${shown.map((k) => `${k}: ${show(valueAt(user, k))} (${describeSource(config.sources[k])})`).join(', ')}, and config.yaml wins: the edit changes nothing`,
      fix: `make the change in ${config.configPath} (default/config.yaml only holds the defaults for keys config.yaml leaves out)`
    }
  }
  return undefined
}

/** Which whitelist is in force: whitelist.txt replaces the config's list when it exists. */
export function whitelistCheck (config: Config): Check {
  if (!config.whitelistMode) {
    return { id: 'whitelist', status: 'info', message: `whitelistMode is false (${describeSource(config.sources.whitelistMode)}): the whitelist admits every address` }
  }
  const list = readWhitelist(config)
  const count = list.rules.length === 1 ? '1 entry' : `${list.rules.length} entries`
  if (list.file === undefined) return { id: 'whitelist', status: 'ok', message: `${count} from ${list.from}; there is no ${WHITELIST_FILE}` }
  const inForce = `${list.file} exists and replaces the whitelist key: ${count} from it ${list.rules.length === 1 ? 'is' : 'are'} in force`
  if (config.sources.whitelist.kind !== 'file') return { id: 'whitelist', status: 'info', message: inForce }
  const unused = config.whitelist.length === 1 ? 'entry of the whitelist key' : `${config.whitelist.length} entries of the whitelist key`
  return {
    id: 'whitelist',
    status: 'warning',
    class: 'forbidden',
    message: `${inForce}, and the ${unused} in ${config.configPath} ${config.whitelist.length === 1 ? 'is' : 'are'} not used`,
    fix: `edit ${list.file}, or delete it to use the whitelist key in ${config.configPath}`
  }
}
