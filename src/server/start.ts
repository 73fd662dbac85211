/**
 * Binds a built app to its addresses (never adds routes), and stops it gracefully: no new
 * connections, in-flight requests finish, then whatever is left after the grace period is cut.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { TVS_ERR_LISTEN_ADDRESS, TVS_ERR_LISTEN_FAILED, TVS_ERR_LISTEN_PORT_IN_USE } from '../errors.js'
import { hostPort } from './listen-plan.js'
import type { Binding } from './listen-plan.js'
import type { ServerSet } from './node-servers.js'

export interface BoundAddress extends Binding {
  readonly port: number
}

export interface Started {
  readonly addresses: readonly BoundAddress[]
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes the rest. */
  close (graceMs?: number): Promise<void>
}

function listenError (error: unknown, binding: Binding, port: number): Error {
  const e = error as NodeJS.ErrnoException
  const where = hostPort(binding.host, port)
  if (e.code === 'EADDRINUSE') return new TVS_ERR_LISTEN_PORT_IN_USE(port, { cause: error })
  if (e.code === 'EADDRNOTAVAIL') return new TVS_ERR_LISTEN_ADDRESS(where, 'this machine has no such address', { cause: error })
  /* c8 ignore start -- EACCES needs a non-root user; other bind errors (EAFNOSUPPORT, ...) are rare and passed on as the system words them */
  if (e.code === 'EACCES') {
    return new TVS_ERR_LISTEN_FAILED(where, 'permission denied (ports below 1024 need administrator rights; try --port 8000)', { cause: error })
  }
  return new TVS_ERR_LISTEN_FAILED(where, e.message, { cause: error })
} /* c8 ignore stop */

function listenOn (server: Server, binding: Binding, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: binding.host, port, ipv6Only: binding.family === 6 }, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer (server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}

/**
 * @example const started = await start(app, servers, [{ family: 4, host: '127.0.0.1' }], 8000)
 */
export async function start (app: FastifyInstance, servers: ServerSet, bindings: readonly Binding[], port: number): Promise<Started> {
  const addresses: BoundAddress[] = []
  const secondaries: Server[] = []
  const [first, ...rest] = bindings
  /* c8 ignore next -- planListen always returns at least one binding */
  if (first === undefined) throw new Error('start() needs at least one binding')
  try {
    await app.listen({ host: first.host, port, ipv6Only: first.family === 6 })
  } catch (error) {
    await app.close()
    throw listenError(error, first, port)
  }
  // Port 0 picks a free port on the first socket; every other family uses the same one.
  const actualPort = (app.server.address() as AddressInfo).port
  addresses.push({ ...first, port: actualPort })
  for (const binding of rest) {
    const server = servers.secondary()
    try {
      await listenOn(server, binding, actualPort)
    } catch (error) {
      await Promise.all([app.close(), ...secondaries.map(closeServer)])
      throw listenError(error, binding, actualPort)
    }
    secondaries.push(server)
    addresses.push({ ...binding, port: actualPort })
  }

  return {
    addresses,
    async close (graceMs = 10_000) {
      const all = [app.server, ...secondaries]
      const timer = setTimeout(() => { for (const s of all) s.closeAllConnections() }, graceMs)
      try {
        await Promise.all([app.close(), ...secondaries.map(closeServer)])
      } finally {
        clearTimeout(timer)
      }
    }
  }
}
