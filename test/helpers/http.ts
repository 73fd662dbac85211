/**
 * A small HTTP client over real sockets. `localAddress` makes the client another machine as far
 * as the server can tell: every 127.0.0.0/8 address is local.
 */
import { request as httpRequest } from 'node:http'
import type { Agent, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

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
