/**
 * Spawns the real command (bin/tavern-server.js, the built package) in a base directory and
 * waits, on its output, for it to listen or to exit. No sleeps: every wait is on an event.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/tavern-server.js', import.meta.url))
export const SERVER_JS = fileURLToPath(new URL('../../server.js', import.meta.url))

/**
 * A prefix that runs the command as users run it, without the test runner's process recording
 * and coverage. The runner puts NODE_OPTIONS and NODE_V8_COVERAGE back into every process it sees
 * spawned, so `env` takes them out. They add signal handlers (recording at exit) and give every
 * function V8 feedback from its first call, so some behaviour can only be seen without them. The
 * process is then left out of the coverage figures.
 */
export const WITHOUT_TEST_RUNNER: readonly string[] = ['/usr/bin/env', '-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE']

const CHILD_COVERAGE = new URL('../setup/child-coverage.mjs', import.meta.url).href

/**
 * NODE_OPTIONS for a process of this package that a test starts, when the run records coverage:
 * the light recorder of test/setup/child-coverage.mjs. Else empty.
 */
export function childCoverage (): string {
  const recording = process.env._TAPJS_PROCESSINFO_COVERAGE_ !== '0' && process.env.NODE_OPTIONS !== undefined
  return recording ? `--import=${CHILD_COVERAGE}` : ''
}

/**
 * The prefix for a Node process a test starts. The runner's process recorder is taken out: it is
 * added to every Node process a test spawns and doubles the CPU of each start (it sends every
 * module through a loader thread). With `coverage`, the light recorder (childCoverage) takes its
 * place. A later WITHOUT_TEST_RUNNER in the command takes that out too.
 */
export function nodePrefix (coverage: boolean): string[] {
  const options = coverage ? childCoverage() : ''
  return [...WITHOUT_TEST_RUNNER, ...(options === '' ? [] : [`NODE_OPTIONS=${options}`])]
}

/**
 * `command args` behind nodePrefix(coverage), as spawn takes it.
 * @example spawn(...prefixed(false, process.execPath, [WORKER]), { stdio: 'pipe' })
 */
export function prefixed (coverage: boolean, command: string, args: readonly string[]): [string, string[]] {
  const [file, ...rest] = [...nodePrefix(coverage), command, ...args]
  return [file as string, rest]
}

export interface Spawned {
  child: ChildProcess
  out: () => string
  err: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** Resolves when stdout has a line matching `pattern`, with the match. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>
  /** The same on stderr. */
  waitForErr: (pattern: RegExp) => Promise<RegExpMatchArray>
}

export interface SpawnOptions {
  cwd: string
  env?: Record<string, string>
  script?: string
  /** Runs the CLI through this command, e.g. inside a network namespace. */
  prefix?: readonly string[]
  /** Options for Node itself, before the script (`--expose-gc`). */
  nodeArgs?: readonly string[]
  /** Text for standard input (else standard input is empty). */
  stdin?: string
  /** A file descriptor for standard output instead of a pipe (`out()` is then empty). */
  stdout?: number
}

export function spawnCli (args: readonly string[], options: SpawnOptions): Spawned {
  // A clean environment: no TAVERN_/SILLYTAVERN_ variables leak in from the machine running tests.
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(TAVERN|SILLYTAVERN)_/.test(k)) env[k] = v
  }
  const command = [...nodePrefix(true), ...(options.prefix ?? []), process.execPath, ...(options.nodeArgs ?? []), options.script ?? BIN, ...args]
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: options.cwd,
    // The test machine may look like a container: no Docker host lookups (DNS) unless a test asks.
    env: { ...env, TAVERN_WHITELISTDOCKERHOSTS: 'false', ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', options.stdout ?? 'pipe', 'pipe']
  })
  if (options.stdin !== undefined) child.stdin?.end(options.stdin)
  let out = ''
  let err = ''
  const waiters: Array<{ pattern: RegExp, stream: 'out' | 'err', resolve: (m: RegExpMatchArray) => void, reject: (e: Error) => void }> = []
  const check = (): void => {
    for (const w of [...waiters]) {
      const m = (w.stream === 'out' ? out : err).match(w.pattern)
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; check() })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; check() })
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`exited with ${String(code)} before printing ${String(w.pattern)}\nstdout:\n${out}\nstderr:\n${err}`))
      }
      resolve(code)
    })
  })
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      waiters.push({ pattern, stream: 'out', resolve, reject })
      check()
    }),
    waitForErr: (pattern) => new Promise((resolve, reject) => {
      waiters.push({ pattern, stream: 'err', resolve, reject })
      check()
    })
  }
}

/** Starts the CLI and waits for its `Go to:` line; returns the port it listens on. */
export async function startCli (args: readonly string[], options: SpawnOptions): Promise<Spawned & { port: number, url: string }> {
  const spawned = spawnCli(args, options)
  const match = await spawned.waitFor(/Go to: (https?:\/\/\S+?:(\d+)\/)\n/)
  return { ...spawned, url: match[1] as string, port: Number(match[2]) }
}

/** Runs the CLI to completion. */
export async function runToExit (args: readonly string[], options: SpawnOptions): Promise<{ code: number | null, out: string, err: string }> {
  const spawned = spawnCli(args, options)
  const code = await spawned.exited
  return { code, out: spawned.out(), err: spawned.err() }
}

/** Why the server cannot be run as another user here, or false when it can. */
export function cannotRunAsOther (): string | false {
  if (process.getuid?.() !== 0) return 'running the server as another user needs root'
  const probe = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', BIN])
  if (probe.error !== undefined) return 'setpriv (util-linux) is not installed'
  return probe.status === 0 ? false : `user nobody cannot read ${BIN} (a folder above the checkout is private)`
}
