/**
 * Where the whitelist comes from: whitelist.txt in the base directory when it exists (one entry
 * per line, `#` comments, CRLF tolerated), else the `whitelist` key; plus the Docker host
 * addresses when running in a container. Compiled into one matcher, swapped whole on reload.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config/config.js'
import { TVS_ERR_WHITELIST_READ } from '../errors.js'
import { compileIpRules } from './ip-rules.js'
import type { IpMatcher, RuleSource } from './ip-rules.js'

export const WHITELIST_FILE = 'whitelist.txt'

/** The entries in force and where they came from (`whitelist.txt` or config.yaml). */
export function readWhitelist (config: Config): { rules: RuleSource[], from: string } {
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
    return {
      rules: config.whitelist.map((entry, i) => ({ entry, source: `${config.configPath} whitelist[${i}]` })),
      from: config.configPath
    }
  }
  const rules: RuleSource[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const entry = line.replace(/#.*$/, '').trim()
    if (entry !== '') rules.push({ entry, source: `${file}:${i + 1}` })
  })
  return { rules, from: file }
}

/** Compiles the whitelist in force, with any extra rules (the Docker hosts) after it. */
export function compileWhitelist (config: Config, extra: readonly RuleSource[] = []): IpMatcher {
  return compileIpRules([...readWhitelist(config).rules, ...extra], 'whitelist')
}
