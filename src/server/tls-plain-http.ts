/**
 * A browser pointed at http:// on the HTTPS port would show a garbled-connection error
 * (ERR_SSL_PROTOCOL_ERROR, "secure connection failed"). Every connection's first byte tells which
 * it is: a TLS connection starts with a handshake record (content type 22, RFC 8446 section 5.1);
 * anything else is answered in plain HTTP with a redirect to the https:// address.
 */
import type { Socket } from 'node:net'
import type { Server as HttpsServer } from 'node:https'
import { validHost } from '../access/host-guard.js'

const TLS_HANDSHAKE = 0x16
/** Enough for a request line and its headers; what does not fit is not a browser's request. */
const MAX_HEAD_BYTES = 8192
/** A connection that has said nothing (or not a whole request head) by then is dropped. */
export const FIRST_BYTES_TIMEOUT_MS = 10_000

const PATH = /^\/[\x21-\x7e]*$/

type ConnectionListener = (this: HttpsServer, socket: Socket) => void

/**
 * Which Host a redirect may name: the Host guard's answer (hostWhitelist), so `Host: evil.example`
 * does not make this server send anyone to https://evil.example/. With the guard off, any
 * well-formed host: a browser sends the name it was given, so the redirect only repeats it.
 */
export type RedirectHosts = (host: string) => boolean

/** The plain-HTTP answer to a request head (or whatever else arrived). */
export function plainHttpAnswer (head: string, allows: RedirectHosts = validHost): string {
  const [requestLine = ''] = head.split('\r\n', 1)
  const target = requestLine.split(' ')[1] ?? ''
  const host = /^host:[ \t]*(.*?)[ \t]*$/im.exec(head)?.[1] ?? ''
  const location = host !== '' && allows(host) ? `https://${host}${PATH.test(target) ? target : '/'}` : undefined
  const body = location === undefined
    ? 'This port speaks HTTPS only: use https:// instead of http:// in the address.\n'
    : `This port speaks HTTPS only: use ${location} instead.\n`
  return [
    location === undefined ? 'HTTP/1.1 400 Bad Request' : 'HTTP/1.1 307 Temporary Redirect',
    ...(location === undefined ? [] : [`Location: ${location}`]),
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body
  ].join('\r\n')
}

function answer (socket: Socket, first: Buffer, allows: RedirectHosts): void {
  let head = first
  const reply = (): void => {
    socket.off('data', collect)
    socket.end(plainHttpAnswer(head.toString('latin1'), allows))
    // Read and drop whatever else comes, so closing never resets the connection before the
    // client has read the answer.
    socket.resume()
  }
  function collect (chunk: Buffer): void {
    head = Buffer.concat([head, chunk])
    if (head.includes('\r\n\r\n') || head.length >= MAX_HEAD_BYTES) reply()
  }
  socket.on('data', collect)
  collect(Buffer.alloc(0))
}

/**
 * Puts the first-byte check in front of the server's TLS handling. Connections still waiting for
 * their first bytes, or answered in plain HTTP, count as idle: a graceful stop does not wait for
 * them.
 * @example const server = https.createServer(options, handler); answerPlainHttp(server)
 */
export function answerPlainHttp (server: HttpsServer, allows: RedirectHosts = validHost, timeoutMs = FIRST_BYTES_TIMEOUT_MS): void {
  const tlsListeners = server.listeners('connection') as ConnectionListener[]
  server.removeAllListeners('connection')
  // Connections Node's HTTP server does not know of: before TLS starts, or answered in plain HTTP.
  const waiting = new Set<Socket>()
  const ignore = (): void => {}
  server.on('connection', (socket: Socket) => {
    waiting.add(socket)
    // Errors before TLS takes over (a reset, a client gone before its answer) concern nobody.
    socket.on('error', ignore)
    socket.setTimeout(timeoutMs, () => socket.destroy())
    socket.once('close', () => waiting.delete(socket))
    socket.once('data', (chunk: Buffer) => {
      if (chunk[0] !== TLS_HANDSHAKE) {
        answer(socket, chunk, allows)
        return
      }
      waiting.delete(socket)
      socket.setTimeout(0)
      socket.off('error', ignore)
      socket.pause()
      // The TLS socket reads what is buffered on the raw socket first.
      socket.unshift(chunk)
      for (const listener of tlsListeners) listener.call(server, socket)
    })
  })
  const closeIdleConnections = server.closeIdleConnections.bind(server)
  server.closeIdleConnections = () => {
    for (const socket of waiting) socket.destroy()
    closeIdleConnections()
  }
}
