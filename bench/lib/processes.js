/**
 * Child processes of the harness: servers (waited on until they print their `Go to:` line),
 * load generators and one-shot workers. Each can be pinned to one CPU with taskset, so on a
 * 2-core machine the server and the load generator never share a core.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'

const OUTPUT_TAIL = 64 * 1024
// Linux reports CPU time in clock ticks of 1/100 s on every common architecture (USER_HZ).
const CLOCK_TICKS = 100

/** The CPUs for servers and for load generators, or undefined when pinning is not possible. */
export function detectPinning () {
  if (availableParallelism() < 2) return undefined
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
  return probe.status === 0 ? { server: 0, load: 1 } : undefined
}

/** The environment for children: no TAVERN_/SILLYTAVERN_ settings leak in from the shell. */
export function cleanEnv (extra = {}) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(TAVERN|SILLYTAVERN)_/.test(k)) env[k] = v
  }
  return { ...env, ...extra }
}

const live = new Set()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/**
 * Starts `command args` (on `cpu` when given) and keeps the tail of its output. `input` is the
 * text of its standard input, or `true` to keep that open for writing (`child.stdin`).
 * @returns {{ child, pid, out(): string, err(): string, exited: Promise<number|null>, startedAt: number }}
 */
export function launch (command, args, { cwd, env, cpu, input } = {}) {
  const [file, argv] = cpu === undefined ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]]
  const startedAt = performance.now()
  const child = spawn(file, argv, { cwd, env: env ?? cleanEnv(), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  live.add(child)
  let out = ''
  let err = ''
  const listeners = new Set()
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    out = (out + chunk).slice(-OUTPUT_TAIL)
    for (const listener of listeners) listener(out)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk) => { err = (err + chunk).slice(-OUTPUT_TAIL) })
  if (typeof input === 'string') child.stdin.end(input)
  const exited = new Promise((resolve) => {
    child.on('error', (error) => { err += `${error.message}\n` })
    child.on('close', (code, signal) => {
      live.delete(child)
      resolve(code ?? signal)
    })
  })
  return {
    child,
    pid: child.pid,
    startedAt,
    out: () => out,
    err: () => err,
    exited,
    /** Resolves with the first match of `pattern` on stdout and when it was seen; rejects if the process ends first. */
    waitFor (pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const done = (error, value) => {
          listeners.delete(check)
          clearTimeout(timer)
          if (error === undefined) resolve(value)
          else reject(error)
        }
        const check = (text) => {
          const match = pattern.exec(text)
          if (match !== null) done(undefined, { match, at: performance.now() })
        }
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs / 1000} s`)), timeoutMs)
        listeners.add(check)
        check(out)
        void exited.then((code) => done(new Error(`exited (${code}) before printing ${pattern}: ${lastLine(err) || lastLine(out)}`)))
      })
    },
    /** SIGTERM, then SIGKILL if it has not ended within `graceMs`. */
    async stop (graceMs = 10_000) {
      if (!live.has(child)) return exited
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** Runs a command to its end; resolves with its exit code and output. */
export async function runToEnd (command, args, options = {}) {
  const proc = launch(command, args, options)
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => proc.child.kill('SIGKILL'), options.timeoutMs)
  const code = await proc.exited
  clearTimeout(timer)
  return { code, out: proc.out(), err: proc.err() }
}

/** The last non-empty line of a text. */
export function lastLine (text) {
  return text.trim().split('\n').pop()?.trim() ?? ''
}

/** CPU time a process has used (user + system) in ms, or NaN where /proc is not available. */
export function cpuMs (pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS
  } catch {
    return Number.NaN
  }
}

/** Resident memory of a process in MB (VmRSS), or NaN where /proc is not available. */
export function residentMb (pid) {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return kb === null ? Number.NaN : Number(kb[1]) / 1024
  } catch {
    return Number.NaN
  }
}
