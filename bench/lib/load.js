/**
 * The load generator, in its own process on its own CPU: wrk when installed (a C client, far
 * lighter than the server it drives, so the server is the bottleneck), else autocannon.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanEnv, lastLine, runToEnd } from './processes.js'

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
    const spec = { url, connections, duration, headers, ...(overallRate === undefined ? {} : { overallRate }), ...(requests === undefined ? {} : { amount: requests }) }
    const env = cleanEnv(caPath === undefined ? {} : { NODE_EXTRA_CA_CERTS: caPath })
    const run = await runToEnd(process.execPath, [AUTOCANNON_WORKER, JSON.stringify(spec)], { cpu, env })
    const json = parseJsonLine(run.out)
    if (run.code !== 0 || json === undefined) throw new Error(`autocannon failed (${run.code}): ${lastLine(run.err)}`)
    result = { ...json, errors: json.non2xx + json.socketErrors }
  }
  return result
}
