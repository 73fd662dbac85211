/**
 * The few HTTP requests doctor makes, all to this computer: the running server's `/healthz` (JSON
 * when asked from loopback, see src/server/health.ts), and the app behind the gate. Each has a
 * short time limit, and a failure is an answer, never an exception.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'

export type ProbeResult =
  | { kind: 'answer', status: number, headers: IncomingHttpHeaders, body: string }
  | { kind: 'failed', error: NodeJS.ErrnoException }

const TIME_LIMIT_MS = 3000
const MAX_BODY = 64 * 1024

/**
 * GET `url`, with `accept`. HTTPS certificates are not checked: the server asked is this
 * computer's own (a self-signed certificate is normal), and nothing secret is sent.
 */
export function get (url: string, accept = '*/*', timeLimitMs = TIME_LIMIT_MS): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const https = url.startsWith('https:')
    const options = { method: 'GET', headers: { accept }, agent: false as const, timeout: timeLimitMs, ...(https ? { rejectUnauthorized: false } : {}) }
    const req = (https ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { if (body.length < MAX_BODY) body += chunk })
      res.on('end', () => resolve({ kind: 'answer', status: res.statusCode as number, headers: res.headers, body }))
      /* c8 ignore next -- a response that breaks off after its head */
      res.on('error', (error) => resolve({ kind: 'failed', error }))
    })
    req.on('timeout', () => { req.destroy(Object.assign(new Error(`no answer within ${timeLimitMs / 1000} seconds`), { code: 'ETIMEDOUT' })) })
    req.on('error', (error) => resolve({ kind: 'failed', error }))
    req.end()
  })
}

/** What a running tavern-server says about itself in /healthz's JSON. */
export interface ServerFacts {
  service: 'tavern-server'
  version?: string
  pid?: number
  configPath?: string
  baseDir?: string
  tls?: boolean
  tunnels?: Array<{ tunnel: string, mark: string, originKnown: boolean, requests: number, first: string, last: string }>
}

export type HealthAnswer =
  | { kind: 'tavern-server', facts: ServerFacts, url: string }
  /** A tavern-server that answered no JSON: an older one, or one that refused this computer. */
  | { kind: 'tavern-server-other', status: number, body: string, url: string }
  | { kind: 'other-program', detail: string }
  | { kind: 'no-answer', error: NodeJS.ErrnoException }

function read (result: Extract<ProbeResult, { kind: 'answer' }>, url: string): HealthAnswer {
  if (result.status === 200 && /json/.test(result.headers['content-type'] ?? '')) {
    try {
      const facts = JSON.parse(result.body) as ServerFacts
      if (facts.service === 'tavern-server') return { kind: 'tavern-server', facts, url }
    } catch {
      // not ours: said below
    }
  }
  if ((result.status === 200 && result.body === 'ok\n') || /^(Forbidden|Unauthorized|Too Many Requests|Bad Request): /.test(result.body)) {
    return { kind: 'tavern-server-other', status: result.status, body: result.body.trim(), url }
  }
  return { kind: 'other-program', detail: `it answers ${url} with HTTP ${result.status}` }
}

/**
 * Asks whatever listens on host:port for tavern-server's /healthz, over HTTPS or HTTP as it
 * speaks (a plain request to tavern-server's HTTPS port is redirected; a TLS one to a plain port
 * fails its handshake).
 */
export async function askHealth (origin: { host: string, port: number }, tls: boolean): Promise<HealthAnswer> {
  const at = (scheme: string): string => `${scheme}://${origin.host.includes(':') ? `[${origin.host}]` : origin.host}:${origin.port}/healthz`
  let url = at(tls ? 'https' : 'http')
  let result = await get(url, 'application/json')
  if (result.kind === 'answer' && result.status === 307 && result.headers.location?.startsWith('https:') === true) {
    url = at('https')
    result = await get(url, 'application/json')
  } else if (result.kind === 'failed' && tls && /SSL|EPROTO|ECONNRESET/.test(String(result.error.code))) {
    url = at('http')
    result = await get(url, 'application/json')
  }
  return result.kind === 'failed' ? { kind: 'no-answer', error: result.error } : read(result, url)
}
