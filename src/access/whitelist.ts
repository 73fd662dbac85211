/**
 * Where the whitelist comes from: whitelist.txt in the base directory when it exists (one entry
 * per line, `#` comments, CRLF tolerated), else the `whitelist` key; plus the Docker host
 * addresses when running in a container. Compiled into one matcher, swapped whole on reload.
 * Which list is in force is said at start-up, at each reload and in the Forbidden message: a
 * whitelist.txt silently replacing config.yaml's list once cost a user an evening (issue 11).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config/config.js'
import { describeItem, describeSource } from '../config/value-source.js'
import { TVS_ERR_WHITELIST_READ } from '../errors.js'
import { compileIpRules } from './ip-rules.js'
import type { IpMatcher, RuleSource } from './ip-rules.js'

export const WHITELIST_FILE = 'whitelist.txt'

export interface WhitelistList {
  /** The entries the user wrote, each with where it is (`config.yaml:14 whitelist entry 3`). */
  rules: RuleSource[]
  /** whitelist.txt, when it exists and so replaces the `whitelist` key. */
  file: string | undefined
  /** Where the list is, in words: `/srv/whitelist.txt`, `the whitelist key in /srv/config.yaml`. */
  from: string
  /** What to add an address to: `/srv/whitelist.txt`, `whitelist in /srv/config.yaml`. */
  addTo: string
}

/** The entries in force and where they came from (whitelist.txt, or the whitelist key). */
export function readWhitelist (config: Config): WhitelistList {
  const file = join(config.baseDir, WHITELIST_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code !== 'ENOENT') {
      // Never fall back to the config list: the user meant this file to be the list.
      throw new TVS_ERR_WHITELIST_READ(file, e.message, { cause: error })
    }
    const source = config.sources.whitelist
    const fromEnv = source.kind === 'env'
    return {
      rules: config.whitelist.map((entry, i) => ({ entry, source: describeItem(source, 'whitelist', i) })),
      file: undefined,
      from: source.kind === 'file'
        ? `the whitelist key in ${config.configPath}`
        : fromEnv ? describeSource(source) : `the default whitelist (${config.configPath} has no whitelist key)`,
      addTo: fromEnv ? `the environment variable ${source.name} (it overrides ${config.configPath})` : `whitelist in ${config.configPath}`
    }
  }
  const rules: RuleSource[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const entry = line.replace(/#.*$/, '').trim()
    if (entry !== '') rules.push({ entry, source: `${file}:${i + 1}` })
  })
  return { rules, file, from: `${file} (it replaces the whitelist key in ${config.configPath})`, addTo: file }
}

export interface Whitelist {
  matcher: IpMatcher
  /** The entries the user wrote (the Docker hosts not counted). */
  entries: number
  list: WhitelistList
}

/** Compiles the whitelist in force, with any extra rules (the Docker hosts) after it. */
export function compileWhitelist (config: Config, extra: readonly RuleSource[] = []): Whitelist {
  const list = readWhitelist(config)
  return { matcher: compileIpRules([...list.rules, ...extra], 'whitelist'), entries: list.rules.length, list }
}

/** `2 entries from the whitelist key in /srv/config.yaml`: the start-up and reload lines. */
export function describeWhitelist (whitelist: Whitelist): string {
  return `${whitelist.entries} entr${whitelist.entries === 1 ? 'y' : 'ies'} from ${whitelist.list.from}`
}

/**
 * The end of the Forbidden message: what the refused user can do, naming the file that holds
 * the list in force (DESIGN.md's wording when it is config.yaml).
 */
export function forbiddenAdvice (config: Config, list: WhitelistList): string {
  const disable = `disable whitelist mode in config.yaml in ${config.baseDir}`
  if (list.file !== undefined) {
    return `please add your IP address to ${WHITELIST_FILE} in ${config.baseDir} (it replaces the whitelist in config.yaml), or ${disable}`
  }
  const source = config.sources.whitelist
  if (source.kind === 'env') return `please add your IP address to the environment variable ${source.name} (it overrides the whitelist in config.yaml), or ${disable}`
  return `please add your IP address in whitelist or ${disable}`
}
