/**
 * Requests that Node's HTTP parser refuses before any request exists (a malformed request line,
 * headers over the size limit, a TLS handshake sent to the plain-HTTP port, headers that never
 * finish, CONNECT): Node hands them to the server's `clientError` event, where Fastify would
 * answer them without a trace. Here each one is answered, written to the access log (so fail2ban
 * sees scanners) and said on the console within its budget. Nothing in here may throw: the
 * socket may be gone already.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Decision } from '../log/access-log.js'
import type { AccessRecorder } from '../log/access-recorder.js'

/** The error code of a CONNECT request, turned into a client error (node-servers.ts). */
export const CONNECT_REFUSED = 'TVS_CONNECT'

/** A TLS connection starts with a handshake record (content type 22, RFC 8446 section 5.1). */
const TLS_HANDSHAKE = 0x16
/** Node's default limit of a request head (--max-http-header-size). */
const MAX_HEADER_KB = 16

export type ClientError = Error & { code?: string, rawPacket?: Buffer, target?: string }

interface Refusal { reason: Decision, status: number, body: string | undefined, line: string }

function classify (error: ClientError, ip: string): Refusal {
  if (error.rawPacket?.[0] === TLS_HANDSHAKE) {
    // No answer: the client speaks TLS and would show plain text as a garbled connection.
    return { reason: 'tls-handshake', status: 400, body: undefined, line: '' }
  }
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { reason: 'headers-too-large', status: 431, body: `Request Header Fields Too Large: the request's headers are over ${MAX_HEADER_KB} KB.`, line: `Refused a request from ${ip}: its headers are over ${MAX_HEADER_KB} KB (431).` }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { reason: 'timeout', status: 408, body: 'Request Timeout: the request did not arrive in time.', line: `Dropped a request from ${ip}: it did not arrive in time (408).` }
    case CONNECT_REFUSED:
      return { reason: 'connect', status: 405, body: 'Method Not Allowed: this server is not a proxy.', line: `Refused a CONNECT request from ${ip} for ${error.target ?? '-'}: this server is not a proxy (405).` }
    default:
      return { reason: 'malformed', status: 400, body: 'Bad Request: the request could not be read as HTTP.', line: `Refused a malformed request from ${ip} (400, ${error.code ?? error.message}).` }
  }
}

/** The method and target of the request line, when the parser got that far. */
function requestLine (error: ClientError): { method: string, path: string } {
  if (error.code === CONNECT_REFUSED) return { method: 'CONNECT', path: error.target ?? '' }
  const line = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) (\S+) HTTP\/\d\.\d\r?\n/.exec(error.rawPacket?.toString('latin1') ?? '')
  return line === null ? { method: '-', path: '' } : { method: line[1] as string, path: line[2] as string }
}

function peer (socket: Socket): string {
  const address = socket.remoteAddress ?? '-'
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

function answer (socket: Socket, refusal: Refusal): void {
  if (refusal.body === undefined || !socket.writable) {
    socket.destroy()
    return
  }
  const body = `${refusal.body}\n`
  socket.end([
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] as string}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body
  ].join('\r\n'), () => { socket.destroy() })
}

/**
 * Fastify's `clientErrorHandler`.
 * @example fastify({ clientErrorHandler: clientErrorHandler(recorder) })
 */
export function clientErrorHandler (recorder: AccessRecorder): (error: Error, socket: Socket) => void {
  return (raw, socket) => {
    const error = raw as ClientError
    // Errors after this one (a reset while answering) concern nobody.
    socket.on('error', () => {})
    // A client that went away mid-request is no refusal.
    if (error.code === 'ECONNRESET') return
    try {
      const ip = peer(socket)
      const refusal = classify(error, ip)
      const { method, path } = requestLine(error)
      recorder.refused({ client: { ip, peer: ip, forwarded: false }, method, path, userAgent: undefined }, refusal.status, refusal.reason, refusal.body === undefined ? undefined : refusal.line)
      if (refusal.reason === 'tls-handshake') {
        recorder.warn(`tls ${ip}`, `${ip} tried HTTPS (an https:// address) on this plain-HTTP port. Use http:// in the address, or start the server with --ssl (ssl.enabled: true) to serve HTTPS.`)
      }
      answer(socket, refusal)
    /* c8 ignore start -- nothing above throws; should it ever, the socket is closed, and the server stays up */
    } catch {
      socket.destroy()
    }
    /* c8 ignore stop */
  }
}
