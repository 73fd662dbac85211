/**
 * A small HTTP client over real sockets. `localAddress` makes the client another machine as far
 * as the server can tell: every 127.0.0.0/8 address is local.
 */
import { Agent, request as httpRequest } from 'node:http'
import type { AgentOptions, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { connect } from 'node:net'

export interface Response {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface RequestOptions {
  method?: string
  headers?: OutgoingHttpHeaders
  localAddress?: string
  body?: string | Buffer
  agent?: Agent
}

export function request (url: string, options: RequestOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.agent === undefined ? { agent: false } : { agent: options.agent })
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/**
 * A keep-alive agent holding at most one connection, from `localAddress` when given;
 * `connections()` says how many it has opened, so a test can show its requests shared one.
 */
export function oneConnection (localAddress?: string): { agent: Agent, connections: () => number } {
  const options: AgentOptions & { localAddress?: string } = { keepAlive: true, maxSockets: 1, ...(localAddress === undefined ? {} : { localAddress }) }
  const agent = new Agent(options)
  const sockets = new Set<unknown>()
  agent.on('free', (socket) => { sockets.add(socket) })
  return { agent, connections: () => sockets.size }
}

/**
 * Writes `head` (a whole request, as bytes on the wire) to 127.0.0.1:`port` and resolves with
 * everything the server sends until it closes: for requests a client library would not send.
 */
export function raw (port: number, head: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk.toString('latin1') })
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
    socket.end(head)
  })
}
