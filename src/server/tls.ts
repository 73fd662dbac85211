/**
 * HTTPS for the servers of a ServerSet: the certificate and key are checked before anything
 * listens, every server speaks TLS 1.2 or later and answers plain HTTP with a pointer to
 * https://, and a renewed pair (SIGHUP, or the files changing on disk) goes into service for new
 * connections without a restart, while existing connections carry on. A broken new pair is
 * reported and the one in service stays.
 */
import { createServer } from 'node:https'
import type { Server } from 'node:http'
import type { Server as TlsServer } from 'node:tls'
import type { Config } from '../config/config.js'
import { watchFiles } from './file-watch.js'
import type { Lifecycle } from './lifecycle.js'
import type { RequestHandler, ServerSet } from './node-servers.js'
import { answerPlainHttp } from './tls-plain-http.js'
import type { RedirectHosts } from './tls-plain-http.js'
import { describePair, MIN_TLS_VERSION, pairWarnings, readTlsPair } from './tls-pair.js'
import type { TlsPair } from './tls-pair.js'

/**
 * A stalled handshake holds up a graceful stop (Node tracks the connection only once TLS is up);
 * a phone on a poor network completes one in well under this.
 */
const HANDSHAKE_TIMEOUT_MS = 10_000

export interface TlsIo {
  stdout: { write (text: string): unknown }
  stderr: { write (text: string): unknown }
}

export interface Tls {
  /** For `new ServerSet(tls.create)`: an HTTPS server with the pair in service. */
  readonly create: (handler: RequestHandler) => Server
  /** Once listening: prints the certificate in use, then reloads on SIGHUP and on file changes. */
  activate (servers: ServerSet, lifecycle: Lifecycle): void
}

function print (stream: TlsIo['stdout'], lines: readonly string[]): void {
  for (const line of lines) stream.write(`${line}\n`)
}

function secureOptions (pair: TlsPair) {
  return { cert: pair.cert, key: pair.key, minVersion: MIN_TLS_VERSION } as const
}

/**
 * Reads and checks the pair (throwing a catalogued TVS_ERR_TLS_* error), and prints warnings such
 * as an expiry within 14 days.
 * @example const tls = openTls(config, 'me (uid 1000)', io); const servers = new ServerSet(tls.create)
 */
export function openTls (config: Config, user: string, io: TlsIo, redirectHosts?: RedirectHosts): Tls {
  const { ssl } = config
  let pair = readTlsPair(ssl, user, config.configPath)
  print(io.stderr, pairWarnings(pair, ssl.certPath))

  const reload = (servers: ServerSet): void => {
    let next: TlsPair
    try {
      next = readTlsPair(ssl, user, config.configPath)
    } catch (error) {
      print(io.stderr, [`TLS certificate not reloaded, the one in service stays: ${(error as Error).message}`])
      return
    }
    for (const server of servers.servers) (server as unknown as TlsServer).setSecureContext(secureOptions(next))
    pair = next
    print(io.stdout, [`Reloaded the TLS certificate ${describePair(pair, ssl.certPath)}`])
    print(io.stderr, pairWarnings(pair, ssl.certPath))
  }

  return {
    create (handler) {
      const server = createServer({ ...secureOptions(pair), handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, handler)
      answerPlainHttp(server, redirectHosts)
      return server
    },
    activate (servers, lifecycle) {
      print(io.stdout, [`HTTPS certificate ${describePair(pair, ssl.certPath)}`])
      lifecycle.onReload(() => reload(servers), 'reloading the TLS certificate')
      const watch = watchFiles([ssl.certPath, ssl.keyPath], () => { void lifecycle.attempt('reloading the TLS certificate', () => reload(servers)) }, {
        onError (error, folder) {
          print(io.stderr, [`Warning: cannot watch ${folder} for certificate renewals (${error.message}); send SIGHUP to reload the certificate instead.`])
        }
      })
      lifecycle.onClose(() => watch.close())
    }
  }
}
