/**
 * Runs autocannon in its own process (so it never shares an event loop with the harness or a
 * server) and prints one JSON line: requests, requests/s, latency p50/p99/max in ms, errors.
 *
 *   node bench/lib/autocannon-worker.js '{"url":"http://127.0.0.1:8000/robots.txt","connections":50,"duration":5}'
 *
 * Extra certificate authorities come in through NODE_EXTRA_CA_CERTS.
 */
import autocannon from 'autocannon'

const spec = JSON.parse(process.argv[2] ?? '{}')
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  headers: spec.headers ?? {},
  // autocannon stops at the first sample after the duration; samples come every second unless
  // told otherwise, so a shorter run needs shorter samples to be as short as asked.
  ...(spec.duration < 1 ? { sampleInt: Math.max(50, spec.duration * 1000) } : {}),
  ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate }),
  // A number of requests instead of a duration (a smoke run).
  ...(spec.amount === undefined ? {} : { amount: spec.amount })
})
process.stdout.write(`${JSON.stringify({
  requests: result.requests.total,
  rps: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  max: result.latency.max,
  non2xx: result.non2xx,
  socketErrors: result.errors + result.timeouts
})}\n`)
