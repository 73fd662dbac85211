/**
 * The real SillyTavern, from the npm registry, for end-to-end tests of the app behind the gate.
 *
 * It is never a dependency of the package: the pinned version is installed on demand into an
 * ignored cache folder (`.cache/` at the top of the checkout, or `$TAVERN_TEST_CACHE`), once per
 * machine, and kept between runs. Its first start compiles its front end with webpack (up to a
 * minute on a busy 2-core machine); that is done once here too ("warming"), so a test's own start
 * takes a few seconds. The whole preparation runs under a lock shared by every process, and the
 * test run's `before` script starts it in the background (test/setup/before.ts), so it overlaps
 * the other test files instead of adding to one file's time.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dump, load } from 'js-yaml'
import { nodePrefix, prefixed } from './cli.js'

/** The install's package.json and lockfile: the pinned version and every package under it. */
const INSTALL_FILES = fileURLToPath(new URL('../setup/sillytavern/', import.meta.url))

export const SILLYTAVERN_VERSION: string = (JSON.parse(readFileSync(join(INSTALL_FILES, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.sillytavern as string

/** Where the install lives: one folder per pinned version. */
export function sillyTavernHome (): string {
  const cache = process.env.TAVERN_TEST_CACHE ?? fileURLToPath(new URL('../../.cache/', import.meta.url))
  return join(cache, `sillytavern-${SILLYTAVERN_VERSION}`)
}

const appDir = (home: string): string => join(home, 'node_modules', 'sillytavern')
const readyFile = (home: string): string => join(home, 'ready.json')
const lockDir = (home: string): string => `${home}.lock`
/** The preparation log: what npm and the warming start printed, for a failure message. */
export const prepareLog = (home: string): string => join(home, 'prepare.log')

interface Ready { version: string, webpack: string | null }

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the preparation lock (a directory: mkdir is atomic), or says who holds it. */
function tryLock (home: string): boolean {
  const dir = lockDir(home)
  try {
    mkdirSync(dir)
    writeFileSync(join(dir, 'pid'), String(process.pid))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    let owner = NaN
    try { owner = Number(readFileSync(join(dir, 'pid'), 'utf8')) } catch { /* being written */ }
    // A lock whose owner died (a killed run) is taken over; one just being created is waited for.
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      rmSync(dir, { recursive: true, force: true })
      return tryLock(home)
    }
    if (Number.isNaN(owner) && Date.now() - statSync(dir).mtimeMs > 10_000) {
      rmSync(dir, { recursive: true, force: true })
      return tryLock(home)
    }
    return false
  }
}

function readReady (home: string): Ready | undefined {
  try {
    const ready = JSON.parse(readFileSync(readyFile(home), 'utf8')) as Ready
    return ready.version === SILLYTAVERN_VERSION && existsSync(join(appDir(home), 'server.js')) ? ready : undefined
  } catch {
    return undefined
  }
}

/** Whether a ready install exists, or one is being prepared by a live process. */
export function preparationState (): 'ready' | 'preparing' | 'none' {
  const home = sillyTavernHome()
  if (readReady(home) !== undefined) return 'ready'
  try {
    const owner = Number(readFileSync(join(lockDir(home), 'pid'), 'utf8'))
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return 'preparing'
  } catch { /* no lock */ }
  return 'none'
}

/** A TCP port that was free a moment ago (SillyTavern prints the port it was given, not 0's). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * SillyTavern's own default config.yaml with browser launch off, no Docker host names on its
 * whitelist (it takes this machine for a container and would look them up in DNS, off this
 * computer), and the given keys merged in.
 */
export function sillyTavernConfig (home: string, overrides: Record<string, unknown>): string {
  const config = load(readFileSync(join(appDir(home), 'default', 'config.yaml'), 'utf8')) as Record<string, unknown>
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(from)) {
      const existing = into[key]
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && existing !== null && typeof existing === 'object' && !Array.isArray(existing)) {
        merge(existing as Record<string, unknown>, value as Record<string, unknown>)
      } else {
        into[key] = value
      }
    }
  }
  merge(config, { browserLaunch: { enabled: false }, whitelistDockerHosts: false, ...overrides })
  return dump(config)
}

interface Started { child: ChildProcess, port: number, output: () => string, exited: Promise<number | null> }

/**
 * Starts SillyTavern from its folder and waits for its listening line.
 * @param prefix runs it through this command (inside a network namespace, where every port is free:
 *   it takes 8001, leaving tavern-server's default 8000)
 */
async function launch (home: string, configPath: string, dataRoot: string, log?: string, prefix: readonly string[] = []): Promise<Started> {
  const port = prefix.length === 0 ? await freePort() : 8001
  const env: Record<string, string> = {}
  // None of our settings in SillyTavern's environment.
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(TAVERN|SILLYTAVERN)_/.test(k)) env[k] = v
  }
  // SillyTavern asks git for its revision, and its front end's compile cache is named for it. Its
  // folder is inside this checkout, so git answered with the checkout's commit: every commit made
  // the warmed cache stale, and each start compiled the front end again (a minute of CPU). git
  // looks no further up than the install.
  env.GIT_CEILING_DIRECTORIES = home
  // No coverage recording or test loader in SillyTavern's process (nodePrefix: else the runner
  // would put its process recorder back).
  const command = [...nodePrefix(false), ...prefix, process.execPath, 'server.js', '--port', String(port), '--configPath', configPath, '--dataRoot', dataRoot]
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: appDir(home),
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: string): void => {
      output += chunk
      if (log !== undefined) writeFileSync(log, chunk, { flag: 'a' })
      if (output.includes(`listening on IPv4: 127.0.0.1:${port}`)) resolve()
    }
    child.stdout?.setEncoding('utf8').on('data', onData)
    child.stderr?.setEncoding('utf8').on('data', onData)
    void exited.then((code) => { reject(new Error(`SillyTavern exited with ${String(code)} before listening:\n${output.slice(-4000)}`)) })
  })
  await listening
  return { child, port, output: () => output, exited }
}

async function stop (started: Started): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return
  started.child.kill('SIGTERM')
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 5000)
  await started.exited
  clearTimeout(timer)
}

/** Installs and warms SillyTavern while holding the lock. */
async function prepareLocked (home: string): Promise<Ready> {
  mkdirSync(home, { recursive: true })
  const log = prepareLog(home)
  writeFileSync(log, `preparing SillyTavern ${SILLYTAVERN_VERSION} in ${home}\n`)
  if (!existsSync(join(appDir(home), 'server.js'))) {
    // From the lockfile: the same packages on every machine (a new release of a package deep in
    // SillyTavern's tree cannot change what is tested), and no package metadata to fetch.
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(INSTALL_FILES, file), join(home, file))
    const installed = spawnSync(...prefixed(false, 'npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts']), { cwd: home, encoding: 'utf8' })
    writeFileSync(log, `${installed.stdout ?? ''}${installed.stderr ?? ''}`, { flag: 'a' })
    if (installed.status !== 0) throw new Error(`npm ci of sillytavern@${SILLYTAVERN_VERSION} failed (exit ${String(installed.status)}); see ${log}`)
  }
  // The first start compiles the front end: into the package's dist/ inside a container, into
  // the data root elsewhere (then copied into each test's data root).
  const warm = join(home, 'warm')
  rmSync(warm, { recursive: true, force: true })
  mkdirSync(warm, { recursive: true })
  const configPath = join(warm, 'config.yaml')
  writeFileSync(configPath, sillyTavernConfig(home, {}))
  const started = await launch(home, configPath, join(warm, 'data'), log)
  await stop(started)
  const inData = join(warm, 'data', '_webpack')
  const ready: Ready = { version: SILLYTAVERN_VERSION, webpack: existsSync(inData) ? inData : null }
  writeFileSync(readyFile(home), JSON.stringify(ready))
  return ready
}

/**
 * Installs and warms the pinned SillyTavern once per machine; concurrent callers (other test
 * files, the background preparation) wait for whoever holds the lock.
 */
export async function prepareSillyTavern (): Promise<{ home: string, ready: Ready }> {
  const home = sillyTavernHome()
  mkdirSync(join(home, '..'), { recursive: true })
  for (;;) {
    const ready = readReady(home)
    if (ready !== undefined) return { home, ready }
    if (tryLock(home)) {
      try {
        return { home, ready: readReady(home) ?? await prepareLocked(home) }
      } finally {
        rmSync(lockDir(home), { recursive: true, force: true })
      }
    }
    // Another process is preparing it: poll its result (it is in another process, so there is
    // no event to wait on).
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

export interface SillyTavern {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string
  port: number
  dataRoot: string
  configPath: string
  /** Everything it printed so far. */
  output: () => string
  stop: () => Promise<void>
}

export interface SillyTavernOptions {
  /** Keys merged into SillyTavern's default config.yaml (browser launch is always off). */
  config?: Record<string, unknown>
  /** A data root to use (kept as is); a fresh one in `dir` otherwise. */
  dataRoot?: string
  /** Runs it through this command, e.g. `ip netns exec <name>` (Netns.prefix). */
  prefix?: readonly string[]
}

/**
 * Starts a real SillyTavern on loopback in `dir` (a test's own folder), with its default config
 * plus `options.config`, and stops it in the test's teardown.
 * @example const st = await startSillyTavern(t, t.testdir({}), { config: { enableUserAccounts: true } })
 */
export async function startSillyTavern (t: { teardown: (fn: () => Promise<void> | void) => void }, dir: string, options: SillyTavernOptions = {}): Promise<SillyTavern> {
  const { home, ready } = await prepareSillyTavern()
  const dataRoot = options.dataRoot ?? join(dir, 'data')
  if (ready.webpack !== null && !existsSync(join(dataRoot, '_webpack'))) {
    cpSync(ready.webpack, join(dataRoot, '_webpack'), { recursive: true })
  }
  const configPath = join(dir, 'config.yaml')
  writeFileSync(configPath, sillyTavernConfig(home, options.config ?? {}))
  const started = await launch(home, configPath, dataRoot, undefined, options.prefix)
  const stopIt = (): Promise<void> => stop(started)
  t.teardown(stopIt)
  return { url: `http://127.0.0.1:${started.port}`, port: started.port, dataRoot, configPath, output: started.output, stop: stopIt }
}
