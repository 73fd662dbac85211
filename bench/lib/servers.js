/**
 * The servers under test, each its own process: the real tavern-server command in a base
 * directory holding the case's config.yaml, or the bare Fastify baseline. Both are started the
 * same way and are ready when they print `Go to: <url>`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dump, load } from 'js-yaml'
import { cleanEnv, cpuMs, launch } from './processes.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const TAVERN_BIN = join(ROOT, 'bin', 'tavern-server.js')
export const BASELINE_SCRIPT = join(ROOT, 'bench', 'baseline-server.js')
const DEFAULT_CONFIG = join(ROOT, 'default', 'config.yaml')

const GO_TO = /Go to: (https?):\/\/(\S+?):(\d+)\/\n/

function isPlainObject (value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `base` with the keys of `over` replaced; nested maps merge, lists are replaced whole. */
export function mergeConfig (base, over) {
  const out = { ...base }
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(base[key]) ? mergeConfig(base[key], value) : value
  }
  return out
}

/**
 * Every server measured is reached from this computer only: no Docker host names on the whitelist.
 * On a machine that looks like a container they would be looked up in DNS at every start, which
 * sends queries off this computer and adds the resolver's delay to the start-up figures.
 */
const BENCH_DEFAULTS = { whitelistDockerHosts: false }

/**
 * Writes `dir/config.yaml`: the shipped defaults (and BENCH_DEFAULTS) with the case's keys
 * replaced. A complete file, as a user's would be, so start-up prints no "missing keys" notice.
 */
export function writeConfig (dir, overrides) {
  mkdirSync(dir, { recursive: true })
  const config = mergeConfig(mergeConfig(load(readFileSync(DEFAULT_CONFIG, 'utf8')), BENCH_DEFAULTS), overrides)
  writeFileSync(join(dir, 'config.yaml'), dump(config, { lineWidth: -1 }))
}

/**
 * Spawns a server and waits for its `Go to:` line.
 * @param {{ script: string, args: string[], cwd: string, cpu?: number, timeoutMs?: number, env?: object }} options
 * @returns the process, its origin (`http://127.0.0.1:PORT`), protocol, and the time and CPU time
 *   it took to listen, in ms
 */
export async function startServer ({ script, args, cwd, cpu, timeoutMs, env }) {
  const proc = launch(process.execPath, [script, ...args], { cwd, cpu, env })
  try {
    const { match, at } = await proc.waitFor(GO_TO, timeoutMs)
    const [, protocol, host, port] = match
    return { proc, protocol, origin: `${protocol}://${host}:${port}`, startMs: at - proc.startedAt, startCpuMs: cpuMs(proc.pid) }
  } catch (error) {
    await proc.stop(2000)
    throw error
  }
}

/**
 * Starts tavern-server (`--port 0` plus the case's flags) in `dir`, which holds its config.yaml.
 * BENCH_TAVERN_NODE_OPTIONS, when set, is NODE_OPTIONS for tavern-server alone: the test suite
 * records the command's coverage that way while every other process of the run goes without.
 */
export function startTavern ({ dir, bin = TAVERN_BIN, config, flags = [], cpu, timeoutMs }) {
  writeConfig(dir, config)
  const options = process.env.BENCH_TAVERN_NODE_OPTIONS
  const env = options === undefined ? undefined : cleanEnv({ NODE_OPTIONS: options })
  return startServer({ script: bin, args: ['--port', '0', ...flags], cwd: dir, cpu, timeoutMs, env })
}

/**
 * Starts the bare Fastify baseline, over TLS when `tls` holds a key and certificate, answering
 * with `headers` (name → value) besides its own.
 */
export function startBaseline ({ dir, tls, headers = {}, cpu, timeoutMs }) {
  mkdirSync(dir, { recursive: true })
  const args = ['--port', '0', '--headers', JSON.stringify(headers), ...(tls === undefined ? [] : ['--ssl', '--keyPath', tls.keyPath, '--certPath', tls.certPath])]
  return startServer({ script: BASELINE_SCRIPT, args, cwd: dir, cpu, timeoutMs })
}
