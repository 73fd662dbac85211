/**
 * Hammers a server with requests (wrong passwords) as fast as it answers, from one source
 * address over keep-alive connections, or from many (a new connection and address per request,
 * cycling through 127.2.0.0/16), and prints one JSON line: requests and the count per status.
 * Prints `flooding` once the first answer is in, so the measuring client starts under load.
 *
 *   node bench/lib/flood-worker.js '{"url":"...","connections":16,"duration":5,"headers":{},"sources":"one","from":"127.0.0.2"}'
 */
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'

const spec = JSON.parse(process.argv[2] ?? '{}')
const deadline = performance.now() + spec.duration * 1000
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections })
const statuses = {}
let total = 0
let announced = false
let next = 0

function source () {
  if (spec.sources !== 'many') return { localAddress: spec.from, agent }
  next = (next + 1) % 65_536
  return { localAddress: `127.2.${next >> 8}.${next & 255}`, agent: false, headers: { ...spec.headers, connection: 'close' } }
}

function once () {
  return new Promise((resolve) => {
    const req = request(spec.url, { headers: spec.headers, ...source() }, (res) => {
      res.resume()
      res.on('end', () => resolve(String(res.statusCode)))
      res.on('error', () => resolve('error'))
    })
    req.on('error', () => resolve('error'))
    req.end()
  })
}

async function lane () {
  while (performance.now() < deadline) {
    const status = await once()
    statuses[status] = (statuses[status] ?? 0) + 1
    total++
    if (!announced) {
      announced = true
      process.stdout.write('flooding\n')
    }
  }
}

await Promise.all(Array.from({ length: spec.connections }, lane))
agent.destroy()
process.stdout.write(`${JSON.stringify({ requests: total, rps: total / spec.duration, statuses })}\n`)
