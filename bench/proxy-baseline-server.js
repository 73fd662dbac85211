/**
 * The proxy baseline: bare Fastify with tavern-server's own proxy (the built
 * dist/server/app-proxy.js) and nothing else, no gate, so the proxied case is compared with the
 * same proxy code without the gate in front.
 *
 *   node bench/proxy-baseline-server.js --port 0 --upstream http://127.0.0.1:8001
 */
import { parseArgs } from 'node:util'
import { fastify } from 'fastify'
import { registerProxy } from '../dist/server/app-proxy.js'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } })
const quiet = { info () {}, warn () {} }
const app = fastify()
registerProxy(app, {
  config: { configPath: '-', app: { upstream: values.upstream, userHeader: 'Remote-User', maxBodyMB: 500, responseTimeoutSeconds: 600, forwardClientAddress: false } },
  policy: { basicAuth: undefined, consumedCookies: [] },
  logger: quiet
})
await app.listen({ host: '127.0.0.1', port: Number(values.port) })
process.stdout.write(`Go to: http://127.0.0.1:${app.server.address().port}/\n`)
process.on('SIGTERM', () => { void app.close() })
process.on('SIGINT', () => { void app.close() })
