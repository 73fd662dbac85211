/**
 * Files + environment + flags → one validated, frozen Config.
 * Precedence, highest first: flag, environment variable, config.yaml, default/config.yaml.
 * Every problem is collected and reported at once, each with where it came from.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandLine } from '../invocation.js'
import { TVS_ERR_CONFIG_CREATE, TVS_ERR_CONFIG_INVALID, TVS_ERR_CONFIG_NOT_FOUND, TVS_ERR_CONFIG_READ } from '../errors.js'
import { appProblems } from './app-checks.js'
import { toConfig } from './config.js'
import type { Config } from './config.js'
import { ENVIRONMENT_SOURCE, environmentOnly } from './environment-only.js'
import { envNames, KEY_PATHS, KEYS, SILLYTAVERN_ONLY_KEYS } from './schema.js'
import type { FlatConfig, KeyPath } from './schema.js'
import { suggest } from './suggest.js'
import { describeSource } from './value-source.js'
import type { ValueSource } from './value-source.js'
import { parseYamlFile } from './yaml-file.js'
import type { YamlFile } from './yaml-file.js'

/** The shipped defaults, with a comment on every key. */
export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../../default/config.yaml', import.meta.url))

export interface LoadOptions {
  /** The folder relative command-line paths resolve against. */
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  /** Values from command-line flags, by key path; the flag's name for messages. */
  flags?: Partial<Record<KeyPath, { value: unknown, flag: string }>>
  /** --configPath, when given; it must then exist. */
  configPath?: string
  defaultsFile?: string
  /** Read only: a missing config.yaml is not created, the defaults are used in memory (doctor). */
  readOnly?: boolean
}

export interface LoadedConfig {
  config: Config
  /**
   * Lines for the console: what was created or is easy to miss (info), and what looks wrong
   * (warnings). Where each value came from is in `config.sources`.
   */
  notices: string[]
  warnings: string[]
}

interface Candidate { value: unknown, source: ValueSource }
interface Problem { text: string, line: number }

function errorReason (error: unknown): string {
  const e = error as NodeJS.ErrnoException
  /* c8 ignore next -- unreadable files cannot be made for tests that run as root */
  if (e.code === 'EACCES' || e.code === 'EPERM') return `permission denied (${e.code})`
  if (e.code === 'EISDIR') return 'it is a folder, not a file (EISDIR)'
  if (e.code === 'ENOENT') return 'the folder does not exist (ENOENT)'
  /* c8 ignore next -- other errno codes are reported as the system words them */
  return e.code === undefined ? String(e.message) : `${e.message}`
}

function readText (file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new TVS_ERR_CONFIG_READ(file, errorReason(error), { cause: error })
  }
}

/** Reads the user's config file, creating it from the defaults (comments kept) on first start. */
function openUserFile (configPath: string, explicit: boolean, defaultsText: string, notices: string[], readOnly: boolean): string | undefined {
  try {
    return readFileSync(configPath, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TVS_ERR_CONFIG_READ(configPath, errorReason(error), { cause: error })
    }
    if (explicit) throw new TVS_ERR_CONFIG_NOT_FOUND(configPath, { cause: error })
  }
  if (readOnly) {
    notices.push(`There is no ${configPath} yet: the server creates it with the default values when it first starts. Until then, the defaults apply.`)
    return undefined
  }
  try {
    writeFileSync(configPath, defaultsText, { flag: 'wx' })
  } catch (error) {
    throw new TVS_ERR_CONFIG_CREATE(configPath, errorReason(error), { cause: error })
  }
  notices.push(`Created config.yaml with default values at ${configPath}`)
  return defaultsText
}

function isSection (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const SECTIONS = new Set(KEY_PATHS.filter((k) => k.includes('.')).map((k) => k.slice(0, k.lastIndexOf('.'))))
const KNOWN = new Set<string>(KEY_PATHS)

/** Leaf values by key path; known keys are leaves even when their value is a mapping. */
function flatten (value: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (!KNOWN.has(path) && isSection(inner)) flatten(inner, path, out)
    else out.set(path, inner)
  }
  return out
}

function ignoredSillyTavernKey (path: string): boolean {
  return SILLYTAVERN_ONLY_KEYS.some((k) => path === k || path.startsWith(`${k}.`))
}

function show (value: unknown): string {
  const s = JSON.stringify(value)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/** `file:line` of a key; the YAML reader records a line for every key it meets. */
function where (file: YamlFile, path: string): string {
  return `${file.file}:${file.lines.get(path) as number}`
}

/** A value's place in a file, with the lines of a list's entries. */
function fileSource (kind: 'default' | 'file', file: YamlFile, path: string, value: unknown): ValueSource {
  const line = file.lines.get(path) as number
  if (!Array.isArray(value)) return { kind, file: file.file, line }
  return { kind, file: file.file, line, items: value.map((_, i) => file.lines.get(`${path}[${i}]`) ?? line) }
}

/** In problems: `config.yaml:3: port`, or the variable or flag that gave the value. */
function problemPlace (key: KeyPath, source: ValueSource): string {
  return source.kind === 'default' || source.kind === 'file' ? `${source.file}:${source.line}: ${key}` : describeSource(source)
}

/** Problems from the environment and flags sort after those of the files. */
function problemLine (source: ValueSource): number {
  return source.kind === 'default' || source.kind === 'file' ? source.line : Infinity
}

/**
 * Loads and validates the configuration.
 * @example loadConfig({ cwd: '/srv/tavern', env: process.env }).config.port // 8000
 */
export function loadConfig (options: LoadOptions): LoadedConfig {
  const notices: string[] = []
  const warnings: string[] = []
  const problems: Problem[] = []
  const problem = (text: string, line = Infinity): void => { problems.push({ text, line }) }
  const explicit = options.configPath !== undefined
  // TAVERN_NO_CONFIG_FILE: no config.yaml at all, and another base directory (issue 16).
  const envOnly = environmentOnly(options.env, options.cwd, options.configPath)
  const configPath = envOnly === undefined ? resolve(options.cwd, options.configPath ?? 'config.yaml') : ENVIRONMENT_SOURCE
  const baseDir = envOnly?.baseDir ?? dirname(configPath)

  const defaultsFile = options.defaultsFile ?? DEFAULT_CONFIG_FILE
  const defaultsText = readText(defaultsFile)
  const defaults = parseYamlFile(defaultsText, defaultsFile)
  const userText = envOnly === undefined ? openUserFile(configPath, explicit, defaultsText, notices, options.readOnly === true) : undefined
  const files = userText === undefined
    ? [[defaults, false]] as const
    : [[defaults, false], [parseYamlFile(userText, configPath), true]] as const

  const candidates = new Map<KeyPath, Candidate[]>()
  const offer = (key: KeyPath, candidate: Candidate): void => {
    const list = candidates.get(key)
    if (list === undefined) candidates.set(key, [candidate])
    else list.push(candidate)
  }

  // Lowest precedence first; the last candidate offered for a key wins.
  for (const [file, isUser] of files) {
    if (!isSection(file.value)) {
      problem(`${file.file}:1: the file must hold "key: value" lines, found ${show(file.value)}`, 1)
      continue
    }
    // Keys the user's file leaves out take the default quietly: that is normal, and
    // `tavern-server config` shows every value with where it came from (issue 11).
    for (const [path, raw] of flatten(file.value)) {
      if (KNOWN.has(path)) {
        const key = path as KeyPath
        const typed = file.plain.get(path)
        const value = KEYS[key].asTyped === true && typeof raw !== 'string' && typed !== undefined ? typed : raw
        offer(key, { value, source: fileSource(isUser ? 'file' : 'default', file, path, raw) })
      } else if (SECTIONS.has(path)) {
        const inner = KEY_PATHS.filter((k) => k.startsWith(`${path}.`)).map((k) => k.slice(path.length + 1))
        problem(`${where(file, path)}: ${path}: got ${show(raw)}; expected a section with the keys ${inner.join(', ')}`, file.lines.get(path))
      } else if (isUser && !ignoredSillyTavernKey(path)) {
        const close = suggest(path, [...KEY_PATHS, ...SECTIONS])
        warnings.push(`${where(file, path)}: unknown key ${path}` + (close === undefined ? ' (ignored)' : `; did you mean ${close}?`))
      }
    }
  }

  for (const systemd of envOnly?.offers ?? []) offer(systemd.key, { value: systemd.value, source: { kind: 'env', name: systemd.variable } })
  warnings.push(...envOnly?.warnings ?? [])

  for (const key of KEY_PATHS) {
    for (const name of envNames(key).reverse()) {
      const raw = options.env[name]
      if (raw !== undefined && raw !== '') {
        offer(key, { value: KEYS[key].fromText(raw), source: { kind: 'env', name } })
      }
    }
    const flag = options.flags?.[key]
    if (flag !== undefined) offer(key, { value: flag.value, source: { kind: 'flag', flag: flag.flag } })
  }

  const flat: Record<string, unknown> = {}
  const sources: Partial<Record<KeyPath, ValueSource>> = {}
  const overridden: string[] = []
  for (const key of KEY_PATHS) {
    const offered = candidates.get(key) ?? []
    const winner = offered.at(-1)
    if (winner === undefined) {
      problem(`${key}: no value, and ${defaultsFile} has none either; add "${key}" to ${configPath}`)
      continue
    }
    const value = KEYS[key].check(winner.value)
    if (value === undefined) {
      problem(`${problemPlace(key, winner.source)}: got ${show(winner.value)}; expected ${KEYS[key].expected}`, problemLine(winner.source))
      continue
    }
    flat[key] = value
    sources[key] = winner.source
    // An environment variable silently beating what the file says is easy to miss (a compose
    // file sets it, the user edits config.yaml and nothing changes): say so.
    const written = offered.findLast((c) => c.source.kind === 'file')
    if (winner.source.kind === 'env' && written !== undefined &&
        JSON.stringify(KEYS[key].check(written.value)) !== JSON.stringify(value)) {
      overridden.push(`${key} (${winner.source.name})`)
    }
  }
  if (problems.length === 0) {
    for (const text of appProblems(flat as FlatConfig, baseDir, (key) => problemPlace(key, sources[key] as ValueSource))) {
      problem(text, problemLine(sources['app.root'] as ValueSource))
    }
  }
  if (overridden.length > 0) {
    notices.push(`Environment variables override ${configPath}: ${overridden.join(', ')}. Run \`${commandLine('config')}\` to see every value and where it comes from.`)
  }

  const onlyDefault = (key: KeyPath): boolean => (candidates.get(key)?.length ?? 0) < 2
  for (const text of envOnly?.check(onlyDefault, flat['logging.enableAccessLog'] !== false) ?? []) problem(text)

  if (problems.length > 0) {
    // In file order, as a user reads the file; environment and flags after.
    problems.sort((a, b) => (a.line === b.line ? 0 : a.line < b.line ? -1 : 1))
    throw new TVS_ERR_CONFIG_INVALID(problems.length, problems.length === 1 ? '' : 's',
      problems.map((p) => `  - ${p.text}`).join('\n'))
  }
  return { config: toConfig(flat as FlatConfig, configPath, baseDir, sources as Record<KeyPath, ValueSource>), notices, warnings }
}
