/**
 * Proves a case's gate is really active before it is measured: a few single requests, each from
 * a chosen source address (all of 127.0.0.0/8 is local), with or without the case's credentials,
 * over TLS verified against the case's own CA. A case that fails is reported, not measured.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ANSWER_HEADERS } from '../cases.js'

/** The headers a case's answer must carry as the baseline's does (absent from both counts too). */
const SAME_HEADERS = ['content-type', ...Object.keys(ANSWER_HEADERS)]

/**
 * One request; resolves with status, content type, headers and body, or rejects with the socket or
 * TLS error.
 * @param {string} url
 * @param {{ localAddress?: string, headers?: Record<string, string>, ca?: Buffer }} options
 */
export function fetchOnce (url, { localAddress, headers = {}, ca } = {}) {
  const https = url.startsWith('https:')
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, {
      headers,
      agent: false,
      ...(localAddress === undefined ? {} : { localAddress }),
      ...(https ? { ca, rejectUnauthorized: true } : {})
    }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')))
    req.on('error', reject)
    req.end()
  })
}

/** A short, readable description of one check, for reasons. */
function describe (check, path) {
  const parts = [`GET ${path} from ${check.from ?? '127.0.0.1'}`]
  if (check.headers !== undefined) parts.push(`with ${Object.keys(check.headers).join(', ')} of the check`)
  else if (check.credentials === false) parts.push('without credentials')
  return parts.join(' ')
}

/**
 * Runs the checks of a case against its server and compares the admitted answer with the
 * baseline's (body and headers), so the two really serve the same bytes. Resolves with undefined when every check
 * holds, or with the reason the case cannot be measured.
 * @param {{ origin: string, protocol: string }} server
 * @param {{ tls?: boolean, checks: object[] }} spec the case, with its resolved request headers
 * @param {{ path: string, headers: Record<string, string>, ca?: Buffer, expected?: { status: number, type?: string, headers?: object, body: string } }} context
 */
export async function precheck (server, spec, { path, headers, ca, expected }) {
  if (spec.tls === true && server.protocol !== 'https') {
    return `the server did not start TLS (it printed Go to: ${server.origin}/)`
  }
  const url = `${server.origin}${path}`
  for (const check of [...spec.checks, { status: 200, sameAsBaseline: true }]) {
    let answer
    try {
      answer = await fetchOnce(url, {
        localAddress: check.from ?? '127.0.0.1',
        headers: check.headers ?? (check.credentials === false ? {} : headers),
        ca
      })
    } catch (error) {
      return `${describe(check, path)} failed: ${error.message}${spec.tls === true ? ' (TLS handshake verified against the case CA)' : ''}`
    }
    if (answer.status !== check.status) {
      return `${describe(check, path)} answered ${answer.status}, expected ${check.status}${check.means === undefined ? '' : ` (${check.means})`}`
    }
    if (check.sameAsBaseline === true && expected !== undefined) {
      if (answer.body !== expected.body || answer.type !== expected.type) {
        return `${describe(check, path)} answered ${JSON.stringify(answer.body)} (${answer.type}), not the baseline's ${JSON.stringify(expected.body)} (${expected.type})`
      }
      const differs = SAME_HEADERS.find((name) => answer.headers[name] !== expected.headers[name])
      if (differs !== undefined) {
        return `${describe(check, path)} answered ${differs}: ${answer.headers[differs] ?? '(none)'}, not the baseline's ${expected.headers[differs] ?? '(none)'}`
      }
    }
  }
  return undefined
}
