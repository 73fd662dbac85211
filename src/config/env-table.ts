/**
 * The README's table of environment variables, made from default/config.yaml: every key, its
 * TAVERN_ variable, its default, the form of its value and the comment written above it. After a
 * merge that adds keys, `npm run docs:env` makes the table again; a test keeps it in step.
 */
import { KEY_PATHS, KEYS, envNames } from './schema.js'
import type { KeyPath } from './schema.js'
import { parseYamlFile } from './yaml-file.js'

export const TABLE_BEGIN = '<!-- env-table:begin (npm run docs:env writes this table from default/config.yaml) -->'
export const TABLE_END = '<!-- env-table:end -->'

export interface EnvRow {
  key: KeyPath
  variable: string
  /** The default as one would write it in the variable; undefined when default/config.yaml has none. */
  defaultValue: string | undefined
  form: string
  /** The comment above the key (or its section) in default/config.yaml. */
  meaning: string
}

const COMMENT = /^\s*#\s?(.*)$/

/** The comment lines right above a 1-based line, without a blank line between; banner lines (# --) excluded. */
function commentAbove (lines: readonly string[], line: number): string {
  const found: string[] = []
  for (let i = line - 2; i >= 0; i--) {
    const match = COMMENT.exec(lines[i] as string)
    if (match === null || (match[1] as string).startsWith('--')) break
    found.unshift((match[1] as string).trim())
  }
  return found.join(' ')
}

function valueAt (document: unknown, key: string): unknown {
  let value = document
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part]
  return value
}

/** A default in the form an environment variable takes it. */
function asVariable (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.map(String).join(',')
  return value === null ? '' : String(value)
}

/**
 * @example envRows(readFileSync(DEFAULT_CONFIG_FILE, 'utf8'), DEFAULT_CONFIG_FILE)[0].variable // 'TAVERN_LISTEN'
 */
export function envRows (defaultsText: string, file: string): EnvRow[] {
  const defaults = parseYamlFile(defaultsText, file)
  const lines = defaultsText.split(/\r?\n/)
  const lineOf = (key: string): number => defaults.lines.get(key) ?? Infinity
  const rows = KEY_PATHS.map((key): EnvRow => {
    const own = lineOf(key) === Infinity ? '' : commentAbove(lines, lineOf(key))
    const section = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : undefined
    const shared = own === '' && section !== undefined && lineOf(section) !== Infinity ? commentAbove(lines, lineOf(section)) : ''
    const value = valueAt(defaults.value, key)
    return {
      key,
      variable: envNames(key)[0],
      defaultValue: asVariable(value),
      form: Array.isArray(value) ? `${KEYS[key].expected}: a JSON array or comma-separated` : KEYS[key].expected,
      meaning: own === '' ? shared : own
    }
  })
  // In the order of default/config.yaml, which groups them; keys it lacks come last.
  return rows.sort((a, b) => lineOf(a.key) - lineOf(b.key) || a.key.localeCompare(b.key))
}

function cell (text: string): string {
  return text.replace(/\|/g, '\\|')
}

function code (text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``
}

export function envTable (rows: readonly EnvRow[]): string {
  return [
    TABLE_BEGIN,
    '| variable | key | default | value | what it does |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${code(row.variable)} | ${code(row.key)} | ${row.defaultValue === undefined ? 'none' : row.defaultValue === '' ? '(empty)' : cell(code(row.defaultValue))} | ${cell(row.form)} | ${cell(row.meaning)} |`),
    TABLE_END
  ].join('\n')
}

/** The README with its table replaced; undefined when the markers are missing. */
export function replaceEnvTable (readme: string, table: string): string | undefined {
  const begin = readme.indexOf(TABLE_BEGIN)
  const end = readme.indexOf(TABLE_END)
  if (begin === -1 || end < begin) return undefined
  return readme.slice(0, begin) + table + readme.slice(end + TABLE_END.length)
}
