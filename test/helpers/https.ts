/**
 * An HTTPS client that trusts only the test's own certificate authority (or certificate): every
 * handshake verifies the chain and the name, as a browser would. Reports which certificate the
 * server presented and whether the connection was a kept-alive one.
 */
import { Agent, request } from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:tls'
import type { ConnectionOptions, TLSSocket } from 'node:tls'

export interface TlsResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
  /** Serial number of the certificate the server presented on this connection. */
  serial: string
  /** Whether the request went over a connection kept alive from an earlier one. */
  reused: boolean
}

const serials = new WeakMap<object, string>()

export function httpsGet (url: string, options: { ca: string | Buffer, agent?: Agent }): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: options.ca, agent: options.agent ?? false }, (res) => {
      const socket = res.socket as TLSSocket
      // A kept-alive socket no longer reports its peer's certificate: remember it from the first use.
      const serial = serials.get(socket) ?? socket.getPeerX509Certificate()?.serialNumber ?? ''
      serials.set(socket, serial)
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), serial, reused: req.reusedSocket }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** A keep-alive agent holding one connection, trusting `ca`. */
export function keepAliveAgent (ca: string | Buffer): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, ca })
}

/** A bare handshake; resolves with the negotiated protocol, rejects with the handshake error. */
export function handshake (port: number, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...options }, () => {
      const protocol = socket.getProtocol() ?? ''
      socket.end()
      resolve(protocol)
    })
    socket.on('error', reject)
  })
}
