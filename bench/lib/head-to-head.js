/**
 * Head to head: two servers on the same CPU at the same time, each loaded by its own client, so
 * whatever else the machine does in that moment slows both alike. The kernel shares the core
 * between them; the figure is requests per CPU-second of each, and the ratio of the two is what
 * one costs per request against the other. On a shared machine whose speed moves by tens of
 * percent from one second to the next, this ratio holds within a few percent, where requests/s
 * measured one server after the other do not (bench/results.md shows both).
 *
 * Valid only while the servers are the bottleneck: the round checks that together they kept their
 * core busy, else the client was too slow and the ratio would flatter the slower server.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { runLoad } from './load.js'
import { median } from './stats.js'

/** Below this share of the core used by both servers, a round is not counted. */
export const BUSY_MIN = 0.9

/**
 * CPU time of every thread of a process, in ns (/proc/PID/task/TID/schedstat); NaN where /proc
 * does not have it. Nanoseconds, where /proc/PID/stat counts hundredths of a second.
 */
export function cpuNs (pid) {
  try {
    let total = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    }
    return total
  } catch {
    return Number.NaN
  }
}

/** One measurement of both servers at once; every figure is per server. */
async function together (pair, { load, connections, duration, requests, cpu }) {
  const before = pair.map((t) => cpuNs(t.server.proc.pid))
  const began = process.hrtime.bigint()
  const results = await Promise.all(pair.map((t) => runLoad(load, {
    url: `${t.server.origin}${t.route}`,
    connections,
    duration,
    requests,
    headers: t.headers,
    caPath: t.caPath,
    cpu
  })))
  const wallNs = Number(process.hrtime.bigint() - began)
  return results.map((result, i) => {
    const ns = cpuNs(pair[i].server.proc.pid) - before[i]
    return { ...result, cpuNs: ns, perCpuSecond: result.requests / (ns / 1e9), share: ns / wallNs }
  })
}

/**
 * Rounds of `challenger` against `reference` (fresh servers each round, both warmed up together
 * first). Each target has `launch()` (starts a server: `{ proc, origin }`), `route`, `headers`,
 * `caPath`.
 * @returns {Promise<{ rounds: Array<{ ratio: number, busy: number, counted: boolean, errors: number }>, ratio: number, low: number, high: number, counted: number }>}
 *   ratio: median of the counted rounds' ratios (challenger per CPU-second / reference per CPU-second)
 */
export async function headToHead (reference, challenger, { load, plan, pinning, log = () => {} }) {
  const pair = [reference, challenger]
  const options = { load, connections: plan.connections, requests: plan.requests, cpu: pinning?.load }
  const rounds = []
  for (let round = 0; round < plan.rounds; round++) {
    await Promise.all(pair.map(async (target) => { target.server = await target.launch() }))
    try {
      if (plan.warmup > 0) await together(pair, { ...options, duration: plan.warmup })
      const [ref, ch] = await together(pair, { ...options, duration: plan.duration })
      const busy = ref.share + ch.share
      rounds.push({
        ratio: ch.perCpuSecond / ref.perCpuSecond,
        busy,
        counted: busy >= BUSY_MIN && ref.errors === 0 && ch.errors === 0,
        errors: ref.errors + ch.errors,
        referenceRps: ref.rps,
        challengerRps: ch.rps
      })
    } finally {
      await Promise.all(pair.map((t) => t.server.proc.stop()))
    }
    log(`  round ${round + 1}: ${rounds.at(-1).ratio.toFixed(3)} (core ${(rounds.at(-1).busy * 100).toFixed(0)}% busy)`)
  }
  const counted = rounds.filter((r) => r.counted).map((r) => r.ratio)
  return {
    rounds,
    counted: counted.length,
    ratio: median(counted),
    low: counted.length === 0 ? Number.NaN : Math.min(...counted),
    high: counted.length === 0 ? Number.NaN : Math.max(...counted)
  }
}
