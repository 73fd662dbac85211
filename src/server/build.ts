/**
 * Builds the Fastify app: the security policy, then the routes. Never listens (start.ts does), so
 * tests can `inject` requests into a fresh app.
 */
import { fastify } from 'fastify'
import type { FastifyError, FastifyInstance, FastifyServerFactory } from 'fastify'
import type { Config } from '../config/config.js'
import type { Logger } from '../log/console.js'
import { lazyImport } from '../lazy-import.js'
import { clientErrorHandler } from './client-errors.js'
import { errorPage } from './error-page.js'
import { healthRoute } from './health.js'
import type { HealthReport } from './health.js'
import { homePage } from './home-page.js'
import { HEALTH_PATH, RESERVED_PREFIX } from './reserved-paths.js'
import { ownHeaders, ownRoutesHeaders, withOwnHeaders } from './own-headers.js'
import { lazySchemaCompilers } from './schema-compilers.js'
import { registerSecurityPolicy } from './security-policy.js'
import type { SecurityPolicy } from './security-policy.js'

export interface BuildOptions {
  config: Config
  logger: Logger
  /** Supplies the Node server(s); see ServerSet. */
  serverFactory?: FastifyServerFactory
  policy: SecurityPolicy
  /** What `GET /healthz` says in JSON to this computer (see health.ts); undefined: `ok` only. */
  health?: () => HealthReport
}

export const ROBOTS_TXT = 'User-agent: *\nDisallow: /\n'

/**
 * @example const app = await build({ config, logger }); await app.inject({ url: '/healthz' })
 */
export async function build (options: BuildOptions): Promise<FastifyInstance> {
  const app = fastify({
    // Fastify logs nothing itself: its lines (listening, each request) repeat ours, and a logger
    // per request costs more than all the access checks. Its error lines come through onError.
    logger: false,
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // What Node's parser refuses is logged too (fail2ban), not answered silently.
    clientErrorHandler: clientErrorHandler(options.policy.recorder),
    ...(options.serverFactory === undefined ? {} : { serverFactory: options.serverFactory })
  })

  app.addHook('onError', (request, _reply, error: FastifyError, done) => {
    if ((error.statusCode ?? 500) >= 500) options.logger.error({ err: error }, `Error while answering ${request.method} ${request.url}`)
    done()
  })

  registerSecurityPolicy(app, options.policy)
  const own = ownHeaders(options.config.ssl)
  // Every "nothing here" in the same words: a missing file of the static folder, a path under
  // /_tavern/ that does not exist, anything the home page does not have.
  app.setNotFoundHandler((request, reply) => {
    const page = errorPage(request.headers.accept, 404, 'Not Found: there is nothing at this address.')
    own(request, reply)
    void reply.code(404).type(page.type).send(page.body)
  })
  // tavern-server's own routes. Those of every server (/healthz, and with nothing behind the gate
  // robots.txt and the home page) add our security headers themselves, so a request for one runs
  // no hook but the gate's; the account pages, many routes, have a scope whose hook adds them
  // (own-headers.ts).
  const { accounts, recorder } = options.policy
  const { upstream, root } = options.config.app
  app.get(HEALTH_PATH, withOwnHeaders(own, healthRoute(options.health)))
  if (upstream === undefined && root === undefined) {
    // A server reached from outside should never appear in search results, whatever lets a
    // crawler through the gate. (An app behind the gate answers for itself.)
    app.get('/robots.txt', withOwnHeaders(own, async () => ROBOTS_TXT))
    app.get('/', withOwnHeaders(own, homePage))
  }
  if (accounts !== undefined) {
    // Our pages and API, under the prefix that is never the app's. Their pages and forms are
    // loaded only when accounts are on.
    const { accountRoutes } = await lazyImport(() => import('./account-routes.js'))
    await app.register(async (ours) => {
      ownRoutesHeaders(ours, own)
      await ours.register(accountRoutes, { prefix: RESERVED_PREFIX, accounts, recorder })
    })
  }
  // What is behind the gate: the app, a folder, or the home page above. The app's routes, and
  // their libraries (undici, @fastify/static with glob), are loaded only when configured, so a
  // gate with the home page pays for nothing of theirs, at start or in memory.
  if (upstream !== undefined) {
    const { registerProxy } = await lazyImport(() => import('./app-proxy.js'))
    registerProxy(app, { config: options.config, policy: options.policy, logger: options.logger })
  } else if (root !== undefined) {
    const { registerStaticFiles } = await lazyImport(() => import('./static-files.js'))
    registerStaticFiles(app, root)
  }
  return app
}
