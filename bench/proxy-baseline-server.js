/**
 * The proxy baseline: bare Fastify with @fastify/reply-from, the proxy library tavern-server uses,
 * set up as its documentation shows (every path forwarded, request bodies passed through as
 * streams) and nothing else: no gate, no header rules. The proxied case is compared with the same
 * library without the gate in front.
 *
 *   node bench/proxy-baseline-server.js --port 0 --upstream http://127.0.0.1:8001
 */
import { parseArgs } from 'node:util'
import replyFrom from '@fastify/reply-from'
import { fastify } from 'fastify'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } })
const app = fastify()
await app.register(replyFrom, { base: values.upstream, disableRequestLogging: true })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', (_request, payload, done) => { done(null, payload) })
app.all('/*', (_request, reply) => { reply.from() })
await app.listen({ host: '127.0.0.1', port: Number(values.port) })
process.stdout.write(`Go to: http://127.0.0.1:${app.server.address().port}/\n`)
process.on('SIGTERM', () => { void app.close() })
process.on('SIGINT', () => { void app.close() })
