/**
 * The app behind the gate, measured: proxied requests per CPU-second against the same proxy library
 * without the gate and against nginx, the time an event stream's chunk takes through the gate,
 * and a thousand event streams held at once.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { headToHead } from './head-to-head.js'
import { runLoad } from './load.js'
import { nginxVersion, startNginx } from './nginx.js'
import { fetchOnce, precheck } from './precheck.js'
import { cpuMs, launch, residentMb } from './processes.js'
import { ROOT, startServer, startTavern } from './servers.js'
import { median, ratios } from './stats.js'

const UPSTREAM = join(ROOT, 'bench', 'upstream-server.js')
const PROXY_BASELINE = join(ROOT, 'bench', 'proxy-baseline-server.js')
const STREAM_WORKER = fileURLToPath(new URL('stream-worker.js', import.meta.url))
const START_TIMEOUT_MS = 60_000

/** Runs the stream worker; resolves with its JSON line (and calls `onHolding` at "holding"). */
async function streamWorker (spec, { cpu, onHolding } = {}) {
  const proc = launch(process.execPath, [STREAM_WORKER, JSON.stringify(spec)], { cpu })
  if (onHolding !== undefined) {
    await proc.waitFor(/holding \d+\n/, 60_000).then(onHolding, () => onHolding())
  }
  const code = await proc.exited
  const line = proc.out().trim().split('\n').pop()
  if (code !== 0 || !line?.startsWith('{')) throw new Error(`the stream client failed (${code}): ${proc.err().trim() || line}`)
  return JSON.parse(line)
}

/**
 * @returns the figures for the report's section, each with its reason where it was not measured
 */
export async function measureApp (spec, { dir, fixtures, plan, pinning, load, bin, route, log }) {
  const result = { nginx: nginxVersion(), rows: [], spec }
  // The password hash is made while the app starts.
  const making = fixtures.get(['passwordHash'])
  making.catch(() => {})
  const upstream = await startServer({ script: UPSTREAM, args: ['--port', '0'], cwd: dir, cpu: pinning?.load, timeoutMs: START_TIMEOUT_MS })
  try {
    const made = await making
    const headers = spec.headers()
    const where = (name) => ({ dir: join(dir, `app-${name}`), cpu: pinning?.server, timeoutMs: START_TIMEOUT_MS })
    const targets = [
      { key: 'tavern', name: 'tavern-server (whitelist + Basic auth), proxied', headers, checks: spec.checks, launch: () => startTavern({ ...where('tavern'), bin, config: spec.config(made, upstream.origin) }) },
      { key: 'bare', name: 'bare Fastify + @fastify/reply-from, no gate', headers, checks: [], launch: () => startServer({ script: PROXY_BASELINE, args: ['--port', '0', '--upstream', upstream.origin], cwd: dir, cpu: pinning?.server, timeoutMs: START_TIMEOUT_MS }) },
      { key: 'nginx', name: `nginx (allow/deny + auth_basic + proxy_pass)${result.nginx === undefined ? '' : `, ${result.nginx}`}`, headers, checks: spec.checks, launch: () => startNginx({ ...where('nginx'), upstream: upstream.origin, allow: '127.0.0.1', user: 'bench', password: 'correct horse battery staple' }) }
    ]
    const expected = await fetchOnce(`${upstream.origin}${route}`)
    // Started and checked all at once: each is measured only once every one is up.
    await Promise.all(targets.map(async (target) => {
      target.route = route
      target.runs = []
      if (target.key === 'nginx' && result.nginx === undefined) {
        target.reason = 'nginx not installed (apt-get install nginx)'
        return
      }
      try {
        target.server = await target.launch()
        target.reason = await precheck(target.server, { checks: target.checks }, { path: route, headers, expected })
      } catch (error) {
        target.reason = error.message
      }
      log(`${target.name}: ${target.reason === undefined ? 'answers like the app, measuring' : `not measured: ${target.reason}`}`)
    }))
    const measurable = targets.filter((t) => t.reason === undefined)
    for (let round = 0; round < plan.rounds; round++) {
      for (const target of round % 2 === 0 ? measurable : [...measurable].reverse()) {
        if (round > 0) {
          await target.server.proc.stop()
          target.server = await target.launch()
        }
        const options = { url: `${target.server.origin}${route}`, connections: plan.connections, requests: plan.requests, headers, cpu: pinning?.load }
        // The quick run only shows that everything runs: no warm-up.
        if (!plan.quick) await runLoad(load, { ...options, duration: plan.warmup })
        const before = cpuMs(target.server.proc.pid)
        const run = await runLoad(load, { ...options, duration: plan.duration })
        target.runs.push({ ...run, cpuUs: (cpuMs(target.server.proc.pid) - before) * 1000 / run.requests })
      }
    }
    const byKey = Object.fromEntries(targets.map((t) => [t.key, t]))
    await Promise.all(measurable.map((t) => t.server.proc.stop()))

    // Head to head: the gate against bare reply-from (the target), and against nginx.
    const tavern = byKey.tavern
    const versus = async (other) => {
      if (tavern.reason !== undefined || other.reason !== undefined) return { reason: tavern.reason ?? other.reason }
      if (pinning === undefined) return { reason: 'needs taskset and two cores' }
      log(`head to head: ${tavern.name} against ${other.name}, ${plan.headToHead.rounds} rounds`)
      try {
        return await headToHead(other, tavern, { load, plan: plan.headToHead, pinning, log })
      } catch (error) {
        return { reason: error.message }
      }
    }
    result.headToHead = {
      bare: await versus(byKey.bare),
      // Not a target, and the quick run is for seeing that everything runs.
      nginx: plan.quick ? { reason: 'head to head with nginx in a full run only' } : await versus(byKey.nginx)
    }
    for (const target of targets) {
      result.rows.push({
        name: target.name,
        reason: target.reason,
        rps: median(target.runs.map((r) => r.rps)),
        p50: median(target.runs.map((r) => r.p50)),
        p99: median(target.runs.map((r) => r.p99)),
        cpuUs: median(target.runs.map((r) => r.cpuUs)),
        errors: target.runs.reduce((n, r) => n + r.errors, 0),
        ratio: target.key === 'bare' ? undefined : median(ratios(target.runs.map((r) => r.rps), byKey.bare.runs.map((r) => r.rps)))
      })
    }
    const h2h = result.headToHead.bare
    result.target = { min: spec.target.min, ratio: h2h.ratio, pass: Number.isFinite(h2h.ratio) ? h2h.ratio >= spec.target.min : undefined }

    // Streaming: the same event stream read directly from the app, through the gate and through
    // bare reply-from. The app that writes it runs on the servers' core, beside the proxies, and
    // the client on the other core, so every path crosses between cores once, as a stream from the
    // host to a phone crosses the network once. (With the app on the client's core, reading it
    // directly crossed no core and each proxied path crossed twice; on a virtual machine waking a
    // process on the other, idle core costs up to milliseconds, and that measured the layout more
    // than the proxy.) Rounds alternate the order; a figure is the median over rounds, the added
    // p99 the median of each round's difference.
    const events = plan.quick ? spec.streaming.events.quick : spec.streaming.events.full
    const rounds = plan.quick ? 1 : spec.streaming.rounds
    const path = `/events?interval=${spec.streaming.intervalMs}&count=${events}`
    const streamApp = pinning === undefined ? undefined : await startServer({ script: UPSTREAM, args: ['--port', '0'], cwd: dir, cpu: pinning.server, timeoutMs: START_TIMEOUT_MS })
    const appOrigin = (streamApp ?? upstream).origin
    let bare
    try {
      if (tavern.reason !== undefined) throw new Error(tavern.reason)
      const starting = [
        startTavern({ ...where('tavern-streaming'), bin, config: spec.config(made, appOrigin) }).then((server) => { tavern.server = server }),
        byKey.bare.reason === undefined
          ? startServer({ script: PROXY_BASELINE, args: ['--port', '0', '--upstream', appOrigin], cwd: dir, cpu: pinning?.server, timeoutMs: START_TIMEOUT_MS }).then((server) => { bare = server })
          : undefined
      ]
      // Both settle before going on, so the finally below stops whichever did start.
      const started = await Promise.allSettled(starting)
      const failed = started.find((s) => s.status === 'rejected')
      if (failed !== undefined) throw failed.reason
      log(`streaming: ${events} events, directly, through the gate${bare === undefined ? '' : ' and through bare reply-from'}; ${rounds} round${rounds === 1 ? '' : 's'}`)
      const paths = [['direct', appOrigin, {}], ['gated', tavern.server.origin, headers], ...(bare === undefined ? [] : [['bare', bare.origin, headers]])]
      const runs = { direct: [], gated: [], bare: [] }
      for (let round = 0; round < rounds; round++) {
        for (const [key, origin, sent] of round % 2 === 0 ? paths : [...paths].reverse()) {
          runs[key].push(await streamWorker({ mode: 'latency', url: `${origin}${path}`, headers: sent }, { cpu: pinning?.load }))
        }
      }
      const summary = (list) => list.length === 0
        ? undefined
        : { n: list[0].n, p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)), max: Math.max(...list.map((r) => r.max)) }
      const added = (list) => median(list.map((r, i) => r.p99 - runs.direct[i].p99))
      result.streaming = {
        events,
        rounds,
        layout: pinning === undefined ? 'unpinned' : 'app beside the proxies',
        direct: summary(runs.direct),
        gated: summary(runs.gated),
        bare: summary(runs.bare),
        addedP99: added(runs.gated),
        addedP99Bare: bare === undefined ? undefined : added(runs.bare),
        targetMs: spec.streaming.target.addedP99Ms
      }
      result.streaming.pass = result.streaming.addedP99 < spec.streaming.target.addedP99Ms
      if (bare !== undefined) {
        await bare.proc.stop()
        bare = undefined
      }

      const count = plan.streams ?? spec.streams.count
      const intervalMs = plan.quick ? spec.streams.intervalMs / 2 : spec.streams.intervalMs
      log(`${count} event streams at once through the gate`)
      const rssBefore = residentMb(tavern.server.proc.pid)
      let rssHolding = Number.NaN
      const held = await streamWorker({ mode: 'hold', streams: count, headers, url: `${tavern.server.origin}/events?interval=${intervalMs}&count=${spec.streams.events}` }, {
        cpu: pinning?.load,
        onHolding: () => { rssHolding = residentMb(tavern.server.proc.pid) }
      })
      result.streams = { count, ...held, rssBefore, rssHolding, pass: held.held === count && held.completed === count }
    } catch (error) {
      result.streaming ??= { reason: error.message, targetMs: spec.streaming.target.addedP99Ms }
      result.streams ??= { reason: error.message, count: plan.streams ?? spec.streams.count }
    } finally {
      await Promise.all([tavern.server?.proc.stop(), bare?.proc.stop()])
      await streamApp?.proc.stop()
    }
  } finally {
    await upstream.proc.stop()
  }
  return result
}
