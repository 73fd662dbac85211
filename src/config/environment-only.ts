/**
 * Configuration by environment alone (TAVERN_NO_CONFIG_FILE=1): for containers and services, where
 * the working directory may be read-only and nobody edits files. No config.yaml is read or
 * created; the values are the shipped defaults, then TAVERN_ variables, then flags; and nothing
 * is written to the working directory.
 *
 * Under systemd, the unit's StateDirectory= (STATE_DIRECTORY) takes the base directory's place, so
 * the defaults' relative paths (./data, ./access.log, ./certs) land there, and LogsDirectory=
 * (LOGS_DIRECTORY) gets the access log. Elsewhere the data root and the access log must be named.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TVS_ERR_CONFIG_ENV_ONLY } from '../errors.js'
import type { KeyPath } from './schema.js'
import { boolean } from './types.js'

export const NO_CONFIG_FILE = 'TAVERN_NO_CONFIG_FILE'

/** Stands where a config file's path stands in messages: "add 10.0.0.0/8 to whitelist in …". */
export const ENVIRONMENT_SOURCE = 'the TAVERN_ environment variables'

export interface EnvironmentOnly {
  /** The folder relative paths resolve against. */
  baseDir: string
  /** Values from systemd's directories, offered above the shipped defaults. */
  offers: Array<{ key: KeyPath, value: string, variable: string }>
  warnings: string[]
  /**
   * Problems: paths that would still put files in the working directory.
   * @param onlyDefault whether a key has no value but the shipped default
   */
  check (onlyDefault: (key: KeyPath) => boolean, accessLogOn: boolean): string[]
}

/** systemd passes one absolute path per directory, joined with ":". */
function firstDirectory (value: string | undefined, cwd: string): string | undefined {
  const first = value?.split(':')[0]
  return first === undefined || first === '' ? undefined : resolve(cwd, first)
}

/**
 * Whether TAVERN_NO_CONFIG_FILE is on, and what follows from it; undefined when it is off.
 * @example environmentOnly({ TAVERN_NO_CONFIG_FILE: '1', STATE_DIRECTORY: '/var/lib/tavern-server' }, '/')?.baseDir // '/var/lib/tavern-server'
 */
export function environmentOnly (env: Readonly<Record<string, string | undefined>>, cwd: string, configPath?: string): EnvironmentOnly | undefined {
  const raw = env[NO_CONFIG_FILE]
  if (raw === undefined || raw === '') return undefined
  const on = boolean.check(raw)
  if (on === undefined) throw new TVS_ERR_CONFIG_ENV_ONLY(`Environment variable ${NO_CONFIG_FILE}: got ${JSON.stringify(raw)}; expected ${boolean.expected}.`)
  if (!on) return undefined
  if (configPath !== undefined) {
    throw new TVS_ERR_CONFIG_ENV_ONLY(`--configPath ${configPath} names a config file, and ${NO_CONFIG_FILE}=${raw} says there is none. Leave out one of the two.`)
  }
  const state = firstDirectory(env.STATE_DIRECTORY, cwd)
  const logs = firstDirectory(env.LOGS_DIRECTORY, cwd)
  const stray = join(cwd, 'config.yaml')
  return {
    baseDir: state ?? cwd,
    offers: logs === undefined ? [] : [{ key: 'logging.accessLogPath', value: join(logs, 'access.log'), variable: 'LOGS_DIRECTORY' }],
    warnings: existsSync(stray) ? [`${NO_CONFIG_FILE} is set, so ${stray} is not read. Unset ${NO_CONFIG_FILE} to use it.`] : [],
    check (onlyDefault, accessLogOn) {
      if (state !== undefined) return []
      const problems: string[] = []
      const where = `${NO_CONFIG_FILE} is set, so nothing is written to the working directory ${cwd}`
      if (onlyDefault('dataRoot')) {
        problems.push(`${where}: set TAVERN_DATAROOT (or --dataRoot) to the folder for accounts and secrets, or run under systemd with StateDirectory=.`)
      }
      if (accessLogOn && onlyDefault('logging.accessLogPath')) {
        problems.push(`${where}: set TAVERN_LOGGING_ACCESSLOGPATH to the access log file (or TAVERN_LOGGING_ENABLEACCESSLOG=false), or run under systemd with LogsDirectory=.`)
      }
      return problems
    }
  }
}
