/**
 * Event-stream clients, in their own process. Prints one JSON line at the end.
 *
 *   latency: one stream; for each event, the time from the app writing it (its monotonic clock,
 *            in the event) to this process reading it, in ms: { n, p50, p99, max }
 *   hold:    `streams` streams at once; prints "holding N" once every stream has its first event
 *            (so the harness can read the proxy's memory then), then waits for them to end:
 *            { opened, held, completed, errors }
 *
 *   node bench/lib/stream-worker.js '{"mode":"latency","url":"http://127.0.0.1:8000/events?interval=10&count=1000","headers":{}}'
 */
import { request } from 'node:http'
import { quantile } from './stats.js'

const spec = JSON.parse(process.argv[2] ?? '{}')

function open (onEvent, onEnd) {
  const req = request(spec.url, { headers: spec.headers ?? {}, agent: false }, (res) => {
    if (res.statusCode !== 200) {
      res.resume()
      onEnd(new Error(`status ${res.statusCode}`))
      return
    }
    let buffer = ''
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      const now = process.hrtime.bigint()
      buffer += chunk
      let cut
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const event = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        if (event.startsWith('data: ')) onEvent(now, BigInt(event.slice(6)))
      }
    })
    res.on('end', () => onEnd())
    res.on('error', onEnd)
  })
  req.on('error', onEnd)
  req.end()
}

if (spec.mode === 'latency') {
  const latencies = []
  open((now, written) => latencies.push(Number(now - written) / 1e6), (error) => {
    if (error !== undefined) {
      process.stderr.write(`${error.message}\n`)
      process.exit(1)
    }
    process.stdout.write(`${JSON.stringify({ n: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) })}\n`)
  })
} else {
  let held = 0
  let completed = 0
  let errors = 0
  let ended = 0
  const finish = () => {
    if (++ended < spec.streams) return
    process.stdout.write(`${JSON.stringify({ opened: spec.streams, held, completed, errors })}\n`)
  }
  for (let i = 0; i < spec.streams; i++) {
    let first = true
    open(() => {
      if (!first) return
      first = false
      if (++held === spec.streams) process.stdout.write(`holding ${held}\n`)
    }, (error) => {
      if (error === undefined) completed++
      else errors++
      finish()
    })
  }
}
