import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { envRows, envTable, replaceEnvTable, TABLE_BEGIN, TABLE_END } from '../../src/config/env-table.js'
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/load.js'
import { KEY_PATHS, KEYS } from '../../src/config/schema.js'
import type { KeyPath } from '../../src/config/schema.js'
import { prefixed } from '../helpers/cli.js'

const README = fileURLToPath(new URL('../../README.md', import.meta.url))
const SCRIPT = fileURLToPath(new URL('../../scripts/docs-env.js', import.meta.url))
const rows = envRows(readFileSync(DEFAULT_CONFIG_FILE, 'utf8'), DEFAULT_CONFIG_FILE)

t.test('the README\'s environment table is the one default/config.yaml makes (npm run docs:env)', async (t) => {
  const readme = readFileSync(README, 'utf8')
  t.equal(replaceEnvTable(readme, envTable(rows)), readme)
  t.equal(rows.length, KEY_PATHS.length, 'one row per key')
  for (const row of rows) {
    t.not(row.defaultValue, undefined, `${row.key} has a default in default/config.yaml`)
    t.not(row.meaning, '', `${row.key} has a comment (its own or its section's) in default/config.yaml`)
    t.match(readme, `| \`${row.variable}\` | \`${row.key}\` |`)
  }
})

t.test('the script checks and rewrites the table', async (t) => {
  const check = spawnSync(...prefixed(true, process.execPath, [SCRIPT, '--check']), { encoding: 'utf8' })
  t.equal(check.status, 0, check.stdout + check.stderr)
  t.equal(check.stdout, 'The environment table in README.md is up to date.\n')
})

t.test('the table replaces what is between its markers, and nothing without them', async (t) => {
  const table = envTable(rows.slice(0, 1))
  t.equal(replaceEnvTable(`a\n${TABLE_BEGIN}\nold\n${TABLE_END}\nb`, table), `a\n${table}\nb`)
  t.equal(replaceEnvTable('no markers', table), undefined)
  t.equal(replaceEnvTable(`${TABLE_END}\n${TABLE_BEGIN}`, table), undefined, 'markers the wrong way round')
  t.match(envTable([{ key: 'port', variable: 'TAVERN_PORT', defaultValue: undefined, form: 'a | b', meaning: 'with `code`' }]), '| `TAVERN_PORT` | `port` | none | a \\| b | with `code` |')
  t.match(envTable([{ key: 'port', variable: 'TAVERN_PORT', defaultValue: 'a`b', form: '', meaning: '' }]), '| `` a`b `` |')
})

t.test('keys default/config.yaml lacks come last, by name, with no default and no comment; an empty value is empty', async (t) => {
  const text = readFileSync(DEFAULT_CONFIG_FILE, 'utf8')
    .replace(/\ndataRoot: .*\n/, '\n').replace('# Accounts, sessions and generated secrets.\n', '')
    .replace(/\nsatisfy: .*\n/, '\n')
    .replace("  root: ''", '  root:')
  const rows = envRows(text, 'x.yaml')
  t.same(rows.slice(-2).map((r) => r.key), ['dataRoot', 'satisfy'])
  t.same(rows.at(-2), { key: 'dataRoot', variable: 'TAVERN_DATAROOT', defaultValue: undefined, form: KEYS.dataRoot.expected, meaning: '' })
  t.equal(rows.find((r) => r.key === 'app.root')?.defaultValue, '')
})

/** A valid value for a key that differs from its default, as an environment variable's text. */
function another (key: KeyPath, current: unknown): string {
  const type = KEYS[key]
  if (typeof current === 'boolean') return String(!current)
  if (typeof current === 'number') return String(type.check(current + 1) === undefined ? current - 1 : current + 1)
  if (Array.isArray(current)) return '10.0.0.0/8, fd00::/8'
  const candidates = ['auto', 'any', 'debug', '127.0.0.2', '::2', 'http://127.0.0.1:9/', '/srv/elsewhere', 'someone', 'false']
  const found = candidates.find((c) => type.check(type.fromText(c)) !== undefined && type.check(type.fromText(c)) !== current)
  if (found === undefined) throw new Error(`no sample value for ${key}`)
  return found
}

function valueOf (config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((v, part) => (v as Record<string, unknown>)[part], config)
}

t.test('every key, nested and lists included, is set by its TAVERN_ variable and by its SILLYTAVERN_ one', async (t) => {
  const dir = t.testdir({})
  const defaults = loadConfig({ cwd: dir, env: {} }).config
  for (const row of rows) {
    const key = row.key
    const current = key === 'app.root' || key === 'app.upstream' ? '' : valueOf(defaults, key)
    // app.root must name a folder that exists.
    const text = key === 'app.root' ? dir : another(key, current)
    for (const name of [row.variable, row.variable.replace(/^TAVERN_/, 'SILLYTAVERN_')]) {
      const config = loadConfig({ cwd: dir, env: { [name]: text } }).config
      const flat = key.startsWith('app.') ? (config.app as Record<string, unknown>)[key.slice(4)] : valueOf(config, key)
      t.not(JSON.stringify(flat), JSON.stringify(valueOf(defaults, key)), `${name}=${text} changes ${key}`)
    }
  }
  t.same(loadConfig({ cwd: dir, env: { TAVERN_TRUSTEDPROXIES: '["10.0.0.1","::1"]' } }).config.trustedProxies, ['10.0.0.1', '::1'], 'a JSON array')
  t.same(loadConfig({ cwd: dir, env: { TAVERN_HOSTWHITELIST_HOSTS: '[]' } }).config.hostWhitelist.hosts, [], 'an empty list')
})
