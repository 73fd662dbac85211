/**
 * The baseline: bare Fastify answering the measured route with the same bytes as tavern-server
 * (`GET /robots.txt` → 200 `User-agent: *\nDisallow: /\n`, text/plain; charset=utf-8), and nothing else. It takes the flags
 * the harness gives tavern-server (`--port`, `--ssl --keyPath --certPath`) and prints the same
 * `Go to:` line, so both are started, timed and loaded the same way.
 *
 *   node bench/baseline-server.js --port 0 [--ssl --keyPath key.pem --certPath cert.pem]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fastify } from 'fastify'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    ssl: { type: 'boolean', default: false },
    keyPath: { type: 'string' },
    certPath: { type: 'string' },
    headers: { type: 'string', default: '{}' }
  }
})

const https = values.ssl
  ? { https: { key: readFileSync(values.keyPath ?? ''), cert: readFileSync(values.certPath ?? '') } }
  : {}
const app = fastify(https)
const headers = JSON.parse(values.headers)
app.get('/robots.txt', async (_request, reply) => {
  reply.headers(headers)
  return 'User-agent: *\nDisallow: /\n'
})
await app.listen({ host: '127.0.0.1', port: Number(values.port) })

process.stdout.write(`Go to: ${values.ssl ? 'https' : 'http'}://127.0.0.1:${app.server.address().port}/\n`)
process.on('SIGTERM', () => { void app.close() })
process.on('SIGINT', () => { void app.close() })
