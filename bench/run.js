/**
 * `npm run bench`: tavern-server beside bare Fastify on this machine, in one run.
 *
 *   npm run bench                       full run (a few minutes); writes bench/results.md
 *   node bench/run.js --quick           one short round of every case, to see that everything runs (or BENCH_QUICK=1)
 *   node bench/run.js --smoke           seconds: the cases marked smoke in cases.js (together they run every
 *                                       part of the harness), loads of 100 requests; what the test suite runs
 *                                       (with --only proxied: the app behind the gate, 20 held event streams)
 *   node bench/run.js --out file.md     write the report there (quick, smoke and --only runs write none
 *                                       unless asked, so bench/results.md is always a full run)
 *   node bench/run.js --load autocannon use autocannon even when wrk is installed
 *                                       (a full run installs wrk first when it can: bench/setup.js)
 *   npm run bench:setup                 install wrk, openssl, taskset and nginx if missing (apt-get, as root)
 *   node bench/run.js --only TLS        only the cases whose name contains this (and their baselines)
 *                                       --only proxied: only the app behind the gate
 *   node bench/run.js --skip proxied    leave out the cases (or the app section) whose name contains this
 *   node bench/run.js --keep            keep the temporary base directories, certificates and lists
 *   node bench/run.js --bin other/bin/tavern-server.js   measure another build of the command
 *
 * The Markdown report goes to stdout, progress to stderr. Cases are in bench/cases.js.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { ANSWER_HEADERS, APP, BASELINES, CASES, FLOOD, LOGIN_BURST, PASSWORD, ROUTE } from './cases.js'
import { createAccounts, freePort, sessionCookie } from './lib/accounts.js'
import { measureApp } from './lib/app-bench.js'
import { Fixtures } from './lib/fixtures.js'
import { floodCheck } from './lib/flood.js'
import { loginBurstCheck } from './lib/login-burst.js'
import { headToHead } from './lib/head-to-head.js'
import { chooseLoadGenerator, runLoad, stopLoadWorkers } from './lib/load.js'
import { ensureTools } from './setup.js'
import { describeMachine, load as loadAverage } from './lib/machine.js'
import { fetchOnce, precheck } from './lib/precheck.js'
import { cpuMs, detectPinning, lastLine, residentMb, runToEnd } from './lib/processes.js'
import { markdown } from './lib/report.js'
import { ROOT, startBaseline, startServer, startTavern, BASELINE_SCRIPT, TAVERN_BIN, writeConfig } from './lib/servers.js'
import { median, ratios } from './lib/stats.js'

/**
 * Durations in seconds. `flood` is how long the valid client is timed in each phase of the
 * wrong-password flood; the flood itself runs `floodMargin` seconds longer, so it covers the
 * whole measurement. A warm-up of 0 is skipped.
 */
const PLANS = {
  full: { rounds: 7, duration: 3, warmup: 2, connections: 50, headToHead: { rounds: 7, duration: 3, warmup: 5, connections: 50 }, starts: 10, bigStarts: 5, compileRuns: 5, flood: 5, floodMargin: 2, whitelistSize: 100_000 },
  quick: { rounds: 1, duration: 1, warmup: 1, connections: 10, headToHead: { rounds: 1, duration: 1, warmup: 1, connections: 10 }, starts: 2, bigStarts: 1, compileRuns: 1, flood: 1, floodMargin: 2, whitelistSize: 100_000 },
  // Proves the harness works, nothing more: what `npm test` runs (test/bench/*.test.ts). Each load
  // stops after `requests` answers, and `streams` event streams are held instead of the app's count.
  smoke: { rounds: 1, duration: 0.25, warmup: 0, connections: 4, requests: 100, headToHead: { rounds: 1, duration: 0.25, warmup: 0, connections: 4, requests: 100 }, starts: 1, bigStarts: 1, compileRuns: 1, flood: 0.25, floodMargin: 0.5, whitelistSize: 2_000, streams: 20 }
}
const TARGETS = { startRatio: 1.5, rssMb: 80, compileMs: 500 }
const START_TIMEOUT_MS = 60_000

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    load: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    keep: { type: 'boolean', default: false },
    bin: { type: 'string' }
  }
})
const mode = options.smoke ? 'smoke' : options.quick ? 'quick' : 'full'
const plan = { ...PLANS[mode], mode, quick: mode !== 'full' }
const partial = mode !== 'full' || options.only !== undefined || options.skip !== undefined || options.bin !== undefined
const outFile = options.out ?? (partial ? undefined : join(ROOT, 'bench', 'results.md'))
const bin = options.bin === undefined ? TAVERN_BIN : resolvePath(options.bin)

const began = performance.now()
function log (message) {
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${message}\n`)
}

function resolve (value, fixtures) {
  return typeof value === 'function' ? value(fixtures) : value
}

function slug (name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
}

/** Starts a baseline or a case; on failure the target carries the reason instead of a server. */
async function startTarget (target, { dir, fixtures, pinning }) {
  const spec = target.spec
  try {
    const made = await fixtures.get(spec.needs)
    target.headers = resolve(spec.headers, made) ?? {}
    target.ca = made.tls?.ca
    target.caPath = made.tls?.caPath
    const where = { dir: join(dir, slug(target.name)), cpu: pinning?.server, timeoutMs: START_TIMEOUT_MS }
    const config = resolve(spec.config, made) ?? {}
    const flags = resolve(spec.flags, made) ?? []
    if (spec.accounts !== undefined) await createAccounts({ dir: where.dir, bin, config, handles: spec.accounts, password: PASSWORD })
    // A session cookie's name carries the port: every start of this case takes the same one.
    if (spec.session !== undefined) flags.push('--port', String(await freePort()))
    target.launch = () => target.baseline
      ? startBaseline({ ...where, tls: made.tls, headers: ANSWER_HEADERS })
      : startTavern({ ...where, bin, config, flags })
    target.server = await target.launch()
    if (spec.session !== undefined) target.headers = { ...target.headers, cookie: await sessionCookie(target.server.origin, spec.session, PASSWORD) }
  } catch (error) {
    target.reason = error.message
  }
}

/** Reads the measured route once from each baseline: the bytes every case must answer too. */
async function baselineAnswers (baselines) {
  const answers = {}
  for (const [key, target] of Object.entries(baselines)) {
    if (target.reason !== undefined) continue
    try {
      answers[key] = await fetchOnce(`${target.server.origin}${ROUTE}`, { ca: target.ca })
    } catch (error) {
      target.reason = `GET ${ROUTE} failed: ${error.message}`
    }
  }
  return answers
}

/**
 * Rounds of every target in turn, the order reversed every other round. Each round after the
 * first starts every server afresh, so what one process happens to be like (where its memory
 * landed, what its JIT chose) is spread over the medians instead of tilting a ratio.
 */
async function measureRounds (targets, { load, pinning }) {
  const run = async (target, duration) => {
    const before = cpuMs(target.server.proc.pid)
    const result = await runLoad(load, {
      url: `${target.server.origin}${ROUTE}`,
      connections: plan.connections,
      duration,
      requests: plan.requests,
      headers: target.headers,
      caPath: target.caPath,
      cpu: pinning?.load
    })
    return { ...result, cpuUs: (cpuMs(target.server.proc.pid) - before) * 1000 / result.requests }
  }
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    log(`round ${round + 1} of ${plan.rounds}: ${round === 0 ? '' : 'fresh servers, '}${plan.warmup} s warm-up and ${plan.duration} s each`)
    for (const target of order) {
      try {
        if (round > 0) {
          await target.server.proc.stop()
          target.server = await target.launch()
        }
        if (plan.warmup > 0) await run(target, plan.warmup)
        target.runs[round] = await run(target, plan.duration)
      } catch (error) {
        target.runs[round] = { rps: Number.NaN, p50: Number.NaN, p99: Number.NaN, cpuUs: Number.NaN, errors: 0 }
        target.loadError = error.message
      }
    }
  }
}

/** What a case's target compares it with: another case (`target.of`), else the case's baseline. */
function referenceOf (target, byName, baselines) {
  const of = target.spec.target?.of
  return of === undefined ? baselines[target.spec.baseline ?? 'http'] : byName.get(of)
}

/** A server like `target`'s, started afresh for every head-to-head round. */
function contender (target) {
  return { name: target.name, launch: target.launch, route: ROUTE, headers: target.headers, caPath: target.caPath }
}

/**
 * Every measured case head to head with what its target compares it with (its baseline, or the
 * case named by `target.of`), and bare Fastify against itself: the control, which shows how
 * close to 1 the method is when nothing differs. Sets `headToHead` on each case.
 * @returns the control's result
 */
async function measureHeadToHead (measurable, { byName, baselines, load, pinning }) {
  const h2hPlan = plan.headToHead
  if (pinning === undefined) {
    const reason = 'needs taskset and two cores (both servers on one, both clients on the other)'
    for (const target of measurable) target.headToHead = { reason }
    return { reason }
  }
  const run = async (reference, challenger) => {
    log(`head to head: ${challenger.name} against ${reference.name}, ${h2hPlan.rounds} rounds`)
    try {
      return await headToHead(contender(reference), contender(challenger), { load, plan: h2hPlan, pinning, log })
    } catch (error) {
      return { reason: error.message }
    }
  }
  const bare = baselines.http
  const control = bare.reason === undefined ? await run(bare, { ...bare, name: 'bare Fastify (again)' }) : { reason: bare.reason }
  for (const target of measurable) {
    if (target.baseline) continue
    // A quick run of everything only shows that head to head runs (the control above); each case
    // takes seconds of fresh servers, which a run for one case (--only) spends on that case.
    if (plan.quick && options.only === undefined) {
      target.headToHead = { reason: 'quick run of every case (a quick run with --only measures it)' }
      continue
    }
    const reference = referenceOf(target, byName, baselines)
    target.headToHead = reference === undefined || reference.reason !== undefined
      ? { reason: `${target.spec.target?.of ?? 'the baseline'} was not measured` }
      : { ...(await run(reference, target)), against: reference.name }
  }
  return control
}

/** Median req/s and latencies, ratio to the baseline or to another case, and the target's verdict. */
function summarise (target, byName, baselines) {
  const rps = target.runs.map((r) => r.rps)
  const row = {
    name: target.name,
    baseline: target.baseline,
    reason: target.reason ?? target.loadError,
    rps: median(rps),
    p50: median(target.runs.map((r) => r.p50)),
    p99: median(target.runs.map((r) => r.p99)),
    cpuUs: median(target.runs.map((r) => r.cpuUs)),
    errors: target.runs.reduce((n, r) => n + r.errors, 0),
    rssStart: target.rssStart,
    rssAfter: target.rssAfter
  }
  if (target.baseline) return row
  const base = baselines[target.spec.baseline ?? 'http']
  row.comparedWith = base.name
  row.ratio = median(ratios(rps, base.runs.map((r) => r.rps)))
  row.headToHead = target.headToHead
  const goal = target.spec.target
  if (goal !== undefined) {
    // The verdict comes from the head-to-head measurement; one-after-the-other only without it.
    const h2h = target.headToHead
    const byH2h = h2h !== undefined && h2h.reason === undefined && Number.isFinite(h2h.ratio)
    const alone = goal.of === undefined ? row.ratio : median(ratios(rps, referenceOf(target, byName, baselines).runs.map((r) => r.rps)))
    const ratio = byH2h ? h2h.ratio : alone
    row.target = {
      text: `≥ ${goal.min} × ${goal.of ?? base.name}`,
      ratio,
      method: byH2h ? 'head to head' : 'one after the other',
      pass: Number.isFinite(ratio) ? ratio >= goal.min : undefined
    }
  }
  return row
}

/** Start-up figures, or the reason they could not be taken. */
async function measureStarts (context) {
  try {
    return await startTimes(context)
  } catch (error) {
    return { runs: plan.starts, whitelistSize: plan.whitelistSize, reason: error.message, bigReason: error.message, compileReason: error.message }
  }
}

/**
 * Spawn → `Go to:` line, bare Fastify and tavern-server interleaved, each stopped before the next;
 * then tavern-server with the large whitelist, and the whitelist compile alone in fresh processes.
 */
async function startTimes ({ dir, fixtures, pinning }) {
  const cpu = pinning?.server
  const defaults = join(dir, 'start-defaults')
  writeConfig(defaults, {})
  const starts = { bare: [], tavern: [] }
  for (let i = 0; i < plan.starts; i++) {
    for (const which of i % 2 === 0 ? ['bare', 'tavern'] : ['tavern', 'bare']) {
      const script = which === 'bare' ? BASELINE_SCRIPT : bin
      const server = await startServer({ script, args: ['--port', '0'], cwd: defaults, cpu })
      starts[which].push(server)
      await server.proc.stop()
    }
  }
  const result = {
    runs: plan.starts,
    whitelistSize: plan.whitelistSize,
    bareMs: median(starts.bare.map((s) => s.startMs)),
    tavernMs: median(starts.tavern.map((s) => s.startMs)),
    bareCpuMs: median(starts.bare.map((s) => s.startCpuMs)),
    tavernCpuMs: median(starts.tavern.map((s) => s.startCpuMs))
  }
  result.ratio = result.tavernMs / result.bareMs
  result.startPass = result.ratio <= TARGETS.startRatio

  // `--help`, spawn → exit, beside bare `node -e 0` in the same run: what loading the command
  // costs before it does anything (the server's modules are loaded only to serve).
  const help = { bare: [], tavern: [] }
  for (let i = 0; i < plan.starts; i++) {
    for (const which of i % 2 === 0 ? ['bare', 'tavern'] : ['tavern', 'bare']) {
      const spawned = performance.now()
      const run = await runToEnd(process.execPath, which === 'bare' ? ['-e', '0'] : [bin, '--help'], { cwd: defaults, cpu })
      if (run.code !== 0) throw new Error(`${which === 'bare' ? 'node -e 0' : 'tavern-server --help'} failed (${run.code}): ${lastLine(run.err)}`)
      help[which].push(performance.now() - spawned)
    }
  }
  Object.assign(result, { helpMs: median(help.tavern), nodeMs: median(help.bare) })

  try {
    const { bigWhitelist } = await fixtures.get(['bigWhitelist'])
    const big = []
    const bigDir = join(dir, 'start-big-whitelist')
    for (let i = 0; i < plan.bigStarts; i++) {
      const server = await startTavern({ dir: bigDir, bin, config: { whitelist: bigWhitelist.entries }, cpu, timeoutMs: START_TIMEOUT_MS })
      big.push({ ms: server.startMs, rss: residentMb(server.proc.pid) })
      await server.proc.stop()
    }
    Object.assign(result, { bigRuns: plan.bigStarts, bigStartMs: median(big.map((b) => b.ms)), bigRss: median(big.map((b) => b.rss)) })

    const compile = []
    for (let i = 0; i < plan.compileRuns; i++) {
      const run = await runToEnd(process.execPath, [join(ROOT, 'bench', 'lib', 'compile-worker.js'), bigWhitelist.file], { cpu })
      const json = JSON.parse(run.out.trim().split('\n').pop() || '{}')
      if (run.code !== 0 || json.sane !== true) throw new Error(`the compile worker failed: ${run.err.trim() || run.out.trim()}`)
      compile.push(json.ms)
    }
    Object.assign(result, { compileRuns: plan.compileRuns, compileMs: median(compile) })
    result.compilePass = result.compileMs < TARGETS.compileMs
  } catch (error) {
    result.bigReason = error.message
    result.compileReason = error.message
  }
  return result
}

/** Prints the report, and writes it to the output file when there is one. */
function write (report) {
  process.stdout.write(report)
  if (outFile !== undefined) {
    writeFileSync(outFile, report)
    log(`wrote ${outFile}`)
  }
}

async function main () {
  // A full run needs wrk (autocannon is a Node.js client, heavier than the servers it drives);
  // shorter runs take whichever load generator is there.
  if (mode === 'full' && options.load === undefined) ensureTools({ log })
  const machine = describeMachine()
  const pinning = detectPinning()
  const load = chooseLoadGenerator(options.load)
  const dir = mkdtempSync(join(tmpdir(), 'tavern-bench-'))
  const fixtures = new Fixtures({ dir, plan, password: PASSWORD, bin })
  const context = { dir, fixtures, pinning }
  log(`${mode} run; ${load.name} ${load.version}; ${pinning === undefined ? 'no CPU pinning' : 'servers on CPU 0, load on CPU 1'}; files in ${dir}`)

  const chosen = (name) => (options.only === undefined || name.includes(options.only)) && (options.skip === undefined || !name.includes(options.skip))
  const cases = CASES.filter((c) => chosen(c.name) && (mode !== 'smoke' || c.smoke === true))
  // The app behind the gate has its own smoke test (test/bench/app.test.ts, with --only proxied).
  const runApp = chosen(APP.name) && (mode !== 'smoke' || options.only !== undefined)
  const appMeasures = () => measureApp(APP, { dir, fixtures, plan, pinning, load, bin, route: ROUTE, log })
    .catch((error) => ({ reason: error.message, rows: [], spec: APP }))
  if (cases.length === 0 && runApp) {
    try {
      log('the app behind the gate')
      const app = await appMeasures()
      machine.loadAfter = loadAverage()
      write(markdown({ machine, plan, load, pinning, route: ROUTE, app }))
    } finally {
      await stopLoadWorkers()
      if (!options.keep) rmSync(dir, { recursive: true, force: true })
    }
    return
  }
  const usedBaselines = new Set(cases.map((c) => c.baseline ?? 'http'))
  usedBaselines.add('http')
  const newTarget = (name, spec, baseline) => ({ name, spec, baseline, runs: [] })
  const baselines = Object.fromEntries([...usedBaselines].map((key) => [key, newTarget(BASELINES[key].name, BASELINES[key], true)]))
  const caseTargets = cases.map((spec) => newTarget(spec.name, spec, false))
  const all = [...Object.values(baselines), ...caseTargets]

  try {
    // All at once: a start mostly waits (on its fixtures, on Node.js loading), and the servers are
    // measured only once every one is up.
    log(`starting ${all.map((t) => t.name).join(', ')}`)
    await Promise.all(all.map((target) => startTarget(target, context)))
    if (baselines.http.reason !== undefined) throw new Error(`the bare Fastify baseline did not start: ${baselines.http.reason}`)
    for (const target of all) if (target.server !== undefined) target.rssStart = residentMb(target.server.proc.pid)

    const expected = await baselineAnswers(baselines)
    if (baselines.http.reason !== undefined) throw new Error(`the bare Fastify baseline does not answer: ${baselines.http.reason}`)
    for (const target of caseTargets) {
      const base = baselines[target.spec.baseline ?? 'http']
      if (target.reason === undefined && base.reason !== undefined) target.reason = `${base.name} did not start: ${base.reason}`
      if (target.reason !== undefined) continue
      target.reason = await precheck(target.server, target.spec, { path: ROUTE, headers: target.headers, ca: target.ca, expected: expected[target.spec.baseline ?? 'http'] })
      log(`${target.name}: ${target.reason === undefined ? 'gate active, measuring' : `not measured: ${target.reason}`}`)
    }

    const measurable = all.filter((t) => t.reason === undefined)
    await measureRounds(measurable, { load, pinning })
    for (const target of all) if (target.server !== undefined) target.rssAfter = residentMb(target.server.proc.pid)

    const byName = new Map(all.map((t) => [t.name, t]))
    const floodCase = byName.get(FLOOD.on)
    log('wrong-password flood')
    const flood = await floodCheck(floodCase, { plan, pinning, route: ROUTE, flood: FLOOD })
      .catch((error) => ({ caseName: FLOOD.on, targetMs: FLOOD.target.p99Ms, method: '', reason: error.message, rows: [] }))
    log('login burst')
    const burst = await loginBurstCheck(byName.get(LOGIN_BURST.on), { plan, pinning, route: ROUTE, burst: LOGIN_BURST, password: PASSWORD })
      .catch((error) => ({ caseName: LOGIN_BURST.on, targetMs: LOGIN_BURST.target.p99Ms, method: '', reason: error.message, rows: [] }))
    await Promise.all(all.map((t) => t.server?.proc.stop()))

    const control = await measureHeadToHead(all.filter((t) => t.reason === undefined), { byName, baselines, load, pinning })

    log(`start-up: ${plan.starts} starts each, then the ${plan.whitelistSize}-entry whitelist`)
    const startup = await measureStarts(context)
    const open = byName.get('no access control')
    const bare = baselines.http
    Object.assign(startup, { rssStart: open?.rssStart, rssAfter: open?.rssAfter, bareRssStart: bare.rssStart, bareRssAfter: bare.rssAfter })
    startup.rssPass = Number.isFinite(startup.rssStart) ? startup.rssStart < TARGETS.rssMb : undefined

    let app
    if (runApp) {
      log('the app behind the gate')
      app = await appMeasures()
    }
    const throughput = all.map((t) => summarise(t, byName, baselines))
    machine.loadAfter = loadAverage()
    write(markdown({ machine, plan, load, pinning, route: ROUTE, throughput, control, startup, flood, burst, app }))
  } finally {
    await Promise.all([...all.map((t) => t.server?.proc.stop()), stopLoadWorkers()])
    if (!options.keep) rmSync(dir, { recursive: true, force: true })
  }
}

process.on('SIGINT', () => process.exit(130))
await main()
