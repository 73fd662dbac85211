/**
 * The app behind the proxies in the benchmark: plain Node, as light as a server gets, so the
 * proxies in front are what is measured.
 *
 *   GET /robots.txt                      the same 26 bytes every server of the benchmark answers
 *   GET /events?interval=MS&count=N      an event stream: N events, one every MS ms, each carrying
 *                                        the monotonic clock (ns) at the moment it was written
 *
 *   node bench/upstream-server.js --port 0
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } })
const ROBOTS = 'User-agent: *\nDisallow: /\n'

const server = createServer((request, response) => {
  const url = new URL(request.url, 'http://upstream')
  if (url.pathname === '/events') {
    const interval = Number(url.searchParams.get('interval') ?? 1000)
    let left = Number(url.searchParams.get('count') ?? 1)
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    response.flushHeaders()
    const timer = setInterval(() => {
      response.write(`data: ${process.hrtime.bigint()}\n\n`)
      if (--left === 0) {
        clearInterval(timer)
        response.end()
      }
    }, interval)
    response.on('close', () => clearInterval(timer))
    return
  }
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': ROBOTS.length })
  response.end(ROBOTS)
})
server.keepAliveTimeout = 72_000
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`Go to: http://127.0.0.1:${server.address().port}/\n`)
})
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
