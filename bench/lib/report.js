/**
 * The results as Markdown: the machine and method, then one table each for throughput,
 * start-up and memory, and the wrong-password flood, with every target and whether it holds.
 */
import { BUSY_MIN } from './head-to-head.js'

const DASH = '–'

function cell (text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function row (cells) {
  return `| ${cells.map(cell).join(' | ')} |`
}

function table (header, rows) {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n')
}

/** 21,345 / 2.31 / 0.94: numbers as a reader wants them, a dash when not measured. */
export function num (value, digits = 0) {
  if (!Number.isFinite(value)) return DASH
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function ms (value) {
  return Number.isFinite(value) ? `${num(value, value < 10 ? 2 : value < 100 ? 1 : 0)}` : DASH
}

function verdict (pass) {
  if (pass === undefined) return DASH
  return pass ? 'pass' : '**FAIL**'
}

function mb (start, after) {
  return `${num(start)} → ${num(after)}`
}

/** A head-to-head ratio with its range over the rounds counted, or why there is none. */
function h2hCell (h2h, against) {
  if (h2h === undefined) return DASH
  if (h2h.reason !== undefined) return `not measured: ${h2h.reason}`
  if (h2h.counted === 0) return `not measured: no round kept the server core at least ${BUSY_MIN * 100}% busy (the clients were too slow, or other work on the machine had the core)`
  const range = h2h.counted > 1 ? ` (${num(h2h.low, 2)}–${num(h2h.high, 2)})` : ''
  return `${num(h2h.ratio, 2)}${range} × ${against}`
}

/** A target; without a head-to-head figure, the ratio its verdict came from (one after the other). */
function targetCell (target) {
  if (target === undefined) return DASH
  if (target.method === 'head to head') return target.text
  return `${target.text} (${num(target.ratio, 2)}, one after the other)`
}

function throughputTable (results) {
  const header = ['case', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'errors', 'ratio, one after the other', 'ratio, head to head', 'target', 'result', 'RSS MB (start → after load)']
  const rows = results.throughput.map((t) => {
    if (t.reason !== undefined) {
      return [t.name, `not measured: ${t.reason}`, DASH, DASH, DASH, DASH, DASH, DASH, t.target?.text ?? DASH, DASH, DASH]
    }
    const ratio = t.baseline ? '1 (baseline)' : `${num(t.ratio, 2)} × ${t.comparedWith}`
    const h2h = t.baseline ? DASH : h2hCell(t.headToHead, t.headToHead?.against)
    return [t.name, num(t.rps), ms(t.p50), ms(t.p99), num(t.cpuUs, 1), num(t.errors), ratio, h2h, targetCell(t.target), verdict(t.target?.pass), mb(t.rssStart, t.rssAfter)]
  })
  return table(header, rows)
}

/** The head-to-head control: bare Fastify against itself, which should come out at 1. */
function controlLine (control) {
  if (control === undefined) return ''
  if (control.reason !== undefined) return `Head-to-head control not measured: ${control.reason}.`
  return `Control: bare Fastify head to head with a second bare Fastify gives ${h2hCell(control, 'the first')}` +
    ` over ${control.counted} round${control.counted === 1 ? '' : 's'}: what the method reads when nothing differs.`
}

function startupTable (results) {
  const s = results.startup
  const rows = [
    s.reason === undefined
      ? [`start, spawn → listening (median of ${s.runs})`, `${ms(s.tavernMs)} ms`, `${ms(s.bareMs)} ms`, num(s.ratio, 2), '≤ 1.5 × bare Fastify', verdict(s.startPass)]
      : ['start, spawn → listening', `not measured: ${s.reason}`, DASH, DASH, '≤ 1.5 × bare Fastify', DASH],
    [`CPU time to listening (median of ${s.runs})`, `${ms(s.tavernCpuMs)} ms`, `${ms(s.bareCpuMs)} ms`, num(s.tavernCpuMs / s.bareCpuMs, 2), DASH, DASH],
    ...(s.reason === undefined
      ? [[`\`--help\`, spawn → exit (median of ${s.runs}), beside \`node -e 0\``, `${ms(s.helpMs)} ms`, `${ms(s.nodeMs)} ms (node -e 0)`, num(s.helpMs / s.nodeMs, 2), DASH, DASH]]
      : []),
    ['resident memory after start (no access control)', `${num(s.rssStart)} MB`, `${num(s.bareRssStart)} MB`, num(s.rssStart / s.bareRssStart, 2), '< 80 MB', verdict(s.rssPass)],
    ['resident memory after load (no access control)', `${num(s.rssAfter)} MB`, `${num(s.bareRssAfter)} MB`, num(s.rssAfter / s.bareRssAfter, 2), DASH, DASH],
    s.compileReason === undefined
      ? [`compile of the ${num(s.whitelistSize)}-entry whitelist (median of ${s.compileRuns} fresh processes)`, `${ms(s.compileMs)} ms`, DASH, DASH, '< 500 ms', verdict(s.compilePass)]
      : [`compile of the ${num(s.whitelistSize)}-entry whitelist`, `not measured: ${s.compileReason}`, DASH, DASH, '< 500 ms', DASH],
    s.bigReason === undefined
      ? [`start with the ${num(s.whitelistSize)}-entry whitelist (median of ${s.bigRuns})`, `${ms(s.bigStartMs)} ms`, `${ms(s.bareMs)} ms`, num(s.bigStartMs / s.bareMs, 2), DASH, DASH]
      : [`start with the ${num(s.whitelistSize)}-entry whitelist`, `not measured: ${s.bigReason}`, DASH, DASH, DASH, DASH],
    ...(s.bigReason === undefined
      ? [[`resident memory after start with the ${num(s.whitelistSize)}-entry whitelist`, `${num(s.bigRss)} MB`, `${num(s.bareRssStart)} MB`, num(s.bigRss / s.bareRssStart, 2), DASH, DASH]]
      : [])
  ]
  return table(['measure', 'tavern-server', 'bare Fastify', 'ratio', 'target', 'result'], rows)
}

/** The valid client's rows, alone and under load, with the load's own figures in `extra`. */
function probeTable (f, loadHeader, extra) {
  const header = ['valid requests', 'p50 ms', 'p99 ms', 'max ms', 'valid answers not 200', ...loadHeader, 'target', 'result']
  if (f.reason !== undefined) {
    return table(header, [[`${f.caseName}`, `not measured: ${f.reason}`, DASH, DASH, DASH, ...loadHeader.map(() => DASH), `p99 < ${f.targetMs} ms, all 200`, DASH]])
  }
  // autocannon times in whole milliseconds.
  const whole = (value) => Number.isFinite(value) && value < 1 ? '< 1' : ms(value)
  return table(header, f.rows.map((r) => [
    r.label, whole(r.p50), whole(r.p99), whole(r.max), num(r.errors), ...extra(r),
    r.targeted ? `p99 < ${f.targetMs} ms, all 200` : DASH,
    r.targeted ? verdict(r.pass) : DASH
  ]))
}

function statuses (counts) {
  return Object.entries(counts).map(([status, n]) => `${status}: ${num(n)}`).join(', ')
}

function burstTable (results) {
  return probeTable(results.burst, ['logins', 'their answers', 'seconds to the last'], (r) => r.burst === undefined
    ? [DASH, DASH, DASH]
    : [num(r.burst.logins), statuses(r.burst.statuses), num(r.burst.seconds, 1)])
}

function floodTable (results) {
  return probeTable(results.flood, ['flood req/s', 'flood answers'], (r) => r.flood === undefined
    ? [DASH, DASH]
    : [num(r.flood.rps), statuses(r.flood.statuses)])
}

/** The app behind the gate: proxied throughput beside the same proxy library without the gate and nginx, streams. */
function appSection (app) {
  if (app.reason !== undefined) return `## The app behind the gate\n\nNot measured: ${app.reason}.\n`
  const { spec } = app
  const rows = app.rows.map((r, i) => {
    if (r.reason !== undefined) return [r.name, `not measured: ${r.reason}`, DASH, DASH, DASH, DASH, DASH, DASH, i === 0 ? `≥ ${spec.target.min} × bare reply-from` : DASH, DASH]
    const h2h = i === 0 ? h2hCell(app.headToHead.bare, 'bare reply-from') : i === 2 ? h2hCell(app.headToHead.nginx, 'nginx (tavern-server over nginx)') : DASH
    return [r.name, num(r.rps), ms(r.p50), ms(r.p99), num(r.cpuUs, 1), num(r.errors), r.ratio === undefined ? '1 (baseline)' : `${num(r.ratio, 2)} × bare reply-from`, h2h,
      i === 0 ? `≥ ${spec.target.min} × bare reply-from` : DASH, i === 0 ? verdict(app.target.pass) : DASH]
  })
  const st = app.streaming
  const streaming = st.reason !== undefined
    ? `not measured: ${st.reason}`
    : `${ms(st.gated.p99)} ms through the gate, ${ms(st.direct.p99)} ms directly: ${ms(st.addedP99)} ms added (p50 ${ms(st.gated.p50)} against ${ms(st.direct.p50)} ms; ${st.gated.n} events, one every ${spec.streaming.intervalMs} ms; median of ${st.rounds} round${st.rounds === 1 ? '' : 's'}; ${st.layout === 'unpinned' ? 'processes not pinned' : 'the app on the proxies\' core, the client on the other'})` +
      (st.bare === undefined ? '' : `; through bare reply-from, no gate: p99 ${ms(st.bare.p99)} ms, p50 ${ms(st.bare.p50)} ms, ${ms(st.addedP99Bare)} ms added`)
  const held = app.streams
  const streams = held.reason !== undefined
    ? `not measured: ${held.reason}`
    : `${num(held.held)} of ${num(held.count)} held at once, ${num(held.completed)} completed, ${num(held.errors)} errors; tavern-server RSS ${num(held.rssBefore)} MB before, ${num(held.rssHolding)} MB while holding them`
  return `## The app behind the gate

\`GET ${'/robots.txt'}\` proxied to a small app (\`bench/upstream-server.js\`, plain Node), the client sending the
case's credentials to all three. tavern-server runs the whole gate (whitelist + Basic auth, hashed
password) in front of its proxy; the baseline is bare Fastify with the same proxy library,
@fastify/reply-from, forwarding every path and nothing else (\`bench/proxy-baseline-server.js\`);
nginx does allow/deny, auth_basic and proxy_pass with keep-alive to the app, in one process. Same
rounds and head-to-head method as above.

${table(['server', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'errors', 'ratio, one after the other', 'ratio, head to head', 'target', 'result'], rows)}

${table(['measure', 'result', 'target', 'result'], [
    ['streaming: time from the app writing a chunk to the client reading it, p99', streaming, `< ${spec.streaming.target.addedP99Ms} ms added`, verdict(st.pass)],
    [`${num(held.count)} event streams open at once through the gate`, streams, 'all held', verdict(held.pass)]
  ])}
`
}

function summary (results) {
  const app = results.app
  const verdicts = [
    ...(results.throughput ?? []).filter((t) => t.target !== undefined).map((t) => t.reason === undefined ? t.target.pass : undefined),
    ...(results.startup === undefined ? [] : [results.startup.startPass, results.startup.rssPass, results.startup.compilePass]),
    ...[results.flood, results.burst].filter((check) => check !== undefined)
      .flatMap((check) => check.reason === undefined ? check.rows.filter((r) => r.targeted).map((r) => r.pass) : [undefined]),
    ...(app === undefined ? [] : app.reason !== undefined ? [undefined, undefined, undefined] : [app.target.pass, app.streaming.pass, app.streams.pass])
  ]
  const count = (v) => verdicts.filter((x) => x === v).length
  return `Targets: ${count(true)} hold, ${count(false)} fail, ${count(undefined)} not measured.`
}

/** The whole report. */
export function markdown (results) {
  const { machine: m, plan, load, pinning } = results
  const label = {
    full: '',
    quick: ' (quick mode: one short round, not for quoting)',
    smoke: ' (smoke mode: a few of the cases, fractions of a second each, to prove the harness runs; not for quoting)'
  }[plan.mode]
  return `# Benchmark results${label}

Written by \`npm run bench\` on ${m.date}, commit ${m.commit}.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; shared and noisy (the same server
  varies by up to 2× between runs), so every figure is a median and ratios are taken per round.
  Load average (1 min) ${num(m.loadBefore, 1)} at the start, ${num(m.loadAfter, 1)} at the end; server CPU time per
  request (from /proc) is the figure least disturbed by other work on the machine.
- Node.js ${m.node}, Fastify ${m.fastify}; load generator ${load.name} ${load.version}, ${plan.connections}
  connections, keep-alive, no pipelining, in its own process.
- ${pinning === undefined ? 'No CPU pinning (taskset or a second core is missing): servers and load generator share the cores.' : `Servers pinned to CPU ${pinning.server}, the load generator to CPU ${pinning.load} (taskset), so they never share a core.`}
- One after the other (req/s, latencies, CPU per request of each server alone): \`GET ${results.route}\` (the same 26 bytes from every server), ${plan.rounds} round${plan.rounds === 1 ? '' : 's'}; in each,
  every server in turn (the order reversed every other round) gets ${plan.warmup} s of warm-up, then ${plan.duration} s measured.
  Each round starts every server afresh, so no single process tilts a ratio. req/s and
  latencies are medians over rounds; a ratio is the median of the per-round ratios. Each server
  is its own process: tavern-server is the real command (\`node bin/tavern-server.js --port 0\`)
  in a base directory holding the case's config.yaml; the baselines are \`bench/baseline-server.js\`.
- Head to head: each case and what its target compares it with run at the same time, both
  pinned to CPU ${pinning?.server ?? 0}, each loaded by its own client on CPU ${pinning?.load ?? 1}, for ${plan.headToHead.rounds} round${plan.headToHead.rounds === 1 ? '' : 's'} of
  fresh servers (${plan.headToHead.warmup} s warm-up, ${plan.headToHead.duration} s measured; with half a core each, the warm-up gives each
  server about as much CPU as the one-after-the-other warm-up does, enough for V8 to compile the
  hot path and for the first login's scrypt to be over). The kernel shares the core between them, so a slow
  moment of the machine slows both alike; the ratio is requests per CPU-second (all threads,
  /proc/PID/task/*/schedstat) of the case over the other's, median over rounds, with its range.
  A round counts only if the two kept the core at least ${BUSY_MIN * 100}% busy. **Targets are judged on this
  ratio**: measured one after the other, the same comparison moves by tens of percent between
  seconds on this machine; the control below shows the head-to-head spread when nothing differs.
- Like for like: every server answers the same bytes to the same request, headers included
  (tavern-server's security headers on its own answers are set by the baselines too). The cases with a
  password send an Authorization header, so their baseline is bare Fastify receiving that header
  too (it ignores it): parsing a longer request costs any server something, and that is not the
  gate's cost.
- A case is measured only after its precheck proves the gate active (an address off the whitelist
  gets 403, a request without credentials 401, the TLS handshake verifies against the case's CA).

${results.throughput === undefined ? '' : `## Throughput

${throughputTable(results)}

${controlLine(results.control)}

## Start-up and memory

${startupTable(results)}

## Valid requests during a wrong-password flood

${results.flood.method}

${floodTable(results)}

## Logged-in users during a burst of logins

${results.burst.method}

${burstTable(results)}

`}${results.app === undefined ? '' : `${appSection(results.app)}
`}${summary(results)}
`
}
