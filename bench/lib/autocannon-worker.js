/**
 * Runs autocannon in its own process (so it never shares an event loop with the harness or a
 * server). It takes one load per line of standard input, runs them one at a time, and prints one
 * JSON line for each: requests, requests/s, latency p50/p99/max in ms, errors (or `error`, the
 * reason autocannon refused the load). It ends when its standard input does, so the harness
 * starts it once per CPU and load at a time, not once per measurement: a Node.js process and
 * autocannon's modules took longer to start than a smoke run's load took to run.
 *
 *   echo '{"url":"http://127.0.0.1:8000/robots.txt","connections":50,"duration":5}' | node bench/lib/autocannon-worker.js
 *
 * `caPath` names the certificate authority of an HTTPS server.
 */
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'

async function measure (spec) {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.duration,
    headers: spec.headers ?? {},
    ...(spec.caPath === undefined ? {} : { tlsOptions: { ca: readFileSync(spec.caPath) } }),
    // autocannon stops at the first sample after the duration; samples come every second unless
    // told otherwise, so a shorter run needs shorter samples to be as short as asked.
    ...(spec.duration < 1 ? { sampleInt: Math.max(50, spec.duration * 1000) } : {}),
    ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate }),
    // A number of requests instead of a duration (a smoke run).
    ...(spec.amount === undefined ? {} : { amount: spec.amount })
  })
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    socketErrors: result.errors + result.timeouts
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue
  const answer = await measure(JSON.parse(line)).catch((error) => ({ error: error.message }))
  process.stdout.write(`${JSON.stringify(answer)}\n`)
}
