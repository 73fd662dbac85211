/**
 * The load generator, in its own process on its own CPU: wrk when installed (a C client, far
 * lighter than the server it drives, so the server is the bottleneck), else autocannon, in
 * workers started once and given one load after another (two loads at once take two).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanEnv, lastLine, launch, runToEnd } from './processes.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const WRK_REPORT = join(HERE, 'wrk-report.lua')
export const AUTOCANNON_WORKER = join(HERE, 'autocannon-worker.js')

/** wrk if present (unless `preference` says otherwise), else autocannon; with its version. */
export function chooseLoadGenerator (preference) {
  if (preference !== 'autocannon') {
    const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' })
    const version = /wrk\s+(\S+)/.exec(`${probe.stdout}${probe.stderr}`)
    if (probe.error === undefined && version !== null) return { name: 'wrk', version: version[1] }
    if (preference === 'wrk') throw new Error('wrk is not installed (apt-get install wrk), or use --load autocannon')
  }
  const pkg = spawnSync(process.execPath, ['-p', 'require("autocannon/package.json").version'], { encoding: 'utf8', cwd: HERE })
  return { name: 'autocannon', version: pkg.stdout.trim() }
}

/** Started autocannon workers that are not running a load, by the CPU they are pinned to. */
const idleWorkers = new Map()

/** An autocannon worker on `cpu`: `measure(spec)` runs one load in it (one at a time). */
function startWorker (cpu) {
  const proc = launch(process.execPath, [AUTOCANNON_WORKER], { cpu, env: cleanEnv(), input: true })
  // stdin gone (the worker died): its exit code and output say why, below.
  proc.child.stdin.on('error', () => {})
  const waiting = []
  let partial = ''
  let ended
  proc.child.stdout.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()
    for (const line of lines) waiting.shift()?.resolve(line)
  })
  void proc.exited.then((code) => {
    ended = new Error(`autocannon failed (${code}): ${lastLine(proc.err())}`)
    for (const { reject } of waiting.splice(0)) reject(ended)
  })
  return {
    proc,
    measure (spec) {
      return new Promise((resolve, reject) => {
        if (ended !== undefined) return reject(ended)
        waiting.push({ resolve, reject })
        proc.child.stdin.write(`${JSON.stringify(spec)}\n`)
      }).then((line) => {
        const json = JSON.parse(line)
        if (json.error !== undefined) throw new Error(`autocannon failed: ${json.error}`)
        return json
      })
    }
  }
}

/** One autocannon load in an idle worker on `cpu`, or in a new one when none is idle. */
async function autocannonLoad (spec, cpu) {
  const idle = idleWorkers.get(cpu) ?? []
  idleWorkers.set(cpu, idle)
  const worker = idle.pop() ?? startWorker(cpu)
  try {
    const result = await worker.measure(spec)
    idle.push(worker)
    return result
  } catch (error) {
    await worker.proc.stop()
    throw error
  }
}

/** Ends the autocannon workers (each finishes when its input does); the harness calls it last. */
export async function stopLoadWorkers () {
  const workers = [...idleWorkers.values()].flat()
  idleWorkers.clear()
  for (const worker of workers) worker.proc.child.stdin.end()
  await Promise.all(workers.map((worker) => worker.proc.stop()))
}

function parseJsonLine (text) {
  const line = text.split('\n').reverse().find((l) => l.startsWith('{'))
  return line === undefined ? undefined : JSON.parse(line)
}

/**
 * Loads `url` for `duration` seconds with `connections` keep-alive connections; with `requests`,
 * stops after about that many answers (a smoke run: the harness's mechanics, not a measurement).
 * @returns {Promise<{ rps: number, p50: number, p99: number, max: number, requests: number, errors: number }>}
 *   latencies in ms; errors counts non-2xx answers and socket errors
 */
export async function runLoad (generator, { url, connections, duration, headers = {}, caPath, cpu, overallRate, requests }) {
  let result
  if (generator.name === 'wrk') {
    const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
    // wrk counts whole seconds.
    const env = requests === undefined ? undefined : cleanEnv({ WRK_REQUESTS: String(requests) })
    const run = await runToEnd('wrk', ['-t1', `-c${connections}`, `-d${Math.max(1, Math.ceil(duration))}s`, '-s', WRK_REPORT, ...headerArgs, url], { cpu, env })
    const json = parseJsonLine(run.out)
    if (run.code !== 0 || json === undefined) throw new Error(`wrk failed (${run.code}): ${lastLine(run.err) || lastLine(run.out)}`)
    result = {
      requests: json.requests,
      rps: json.requests / (json.durationUs / 1e6),
      p50: json.p50Us / 1000,
      p99: json.p99Us / 1000,
      max: json.maxUs / 1000,
      errors: json.non2xx + json.socketErrors
    }
  } else {
    const spec = { url, connections, duration, headers, caPath, ...(overallRate === undefined ? {} : { overallRate }), ...(requests === undefined ? {} : { amount: requests }) }
    const json = await autocannonLoad(spec, cpu)
    result = { ...json, errors: json.non2xx + json.socketErrors }
  }
  return result
}
