/**
 * `GET /healthz`: `ok` for proxies and service managers, as always. Asked from this computer
 * itself (a loopback peer, nothing forwarded, no tunnel's marks) with `Accept: application/json`,
 * it also says which tavern-server this is (process, base directory, addresses) and which tunnels
 * have relayed requests to it, so that `tavern-server doctor` can tell its own server from another
 * program and report a tunnel (issue 15). Nothing in it is a secret, and nobody else gets it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isLoopback } from '../access/tunnel-marks.js'

/** What the running server says about itself; see src/cli/serve.ts. */
export type HealthReport = Readonly<Record<string, unknown>>

/** Whether the request comes straight from this computer, not through a proxy or a tunnel. */
function fromThisComputer (request: FastifyRequest): boolean {
  const { client } = request
  return !client.forwarded && request.tunnel === undefined && isLoopback(client.parsedPeer)
}

function wantsJson (accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/json')
}

/**
 * @param report what to say in JSON; undefined: `ok` for everyone
 */
export function healthRoute (report: (() => HealthReport) | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  return async (request, reply) => {
    if (report === undefined || !wantsJson(request.headers.accept) || !fromThisComputer(request)) return 'ok\n'
    reply.type('application/json; charset=utf-8')
    return JSON.stringify({ status: 'ok', ...report() })
  }
}
