/**
 * Builds the Fastify app: the security policy, then the routes. Never listens (start.ts does), so
 * tests can `inject` requests into a fresh app.
 */
import { fastify, LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyServerFactory } from 'fastify'
import type { Config } from '../config/config.js'
import type { Logger } from '../log/console.js'
import { homePage } from './home-page.js'
import { lazySchemaCompilers } from './schema-compilers.js'
import { registerSecurityPolicy } from './security-policy.js'
import type { SecurityPolicy } from './security-policy.js'

export interface BuildOptions {
  config: Config
  logger: Logger
  /** Supplies the Node server(s); see ServerSet. */
  serverFactory?: FastifyServerFactory
  policy: SecurityPolicy
}

export const ROBOTS_TXT = 'User-agent: *\nDisallow: /\n'

function quieter (level: string): string {
  return level === 'error' ? 'error' : 'warn'
}

/**
 * @example const app = await build({ config, logger }); await app.inject({ url: '/healthz' })
 */
export async function build (options: BuildOptions): Promise<FastifyInstance> {
  const app = fastify({
    // Fastify's own info lines (listening, each request) would repeat what we print ourselves.
    loggerInstance: options.logger.child({}, { level: quieter(options.logger.level) }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers() },
    ...(options.serverFactory === undefined ? {} : { serverFactory: options.serverFactory })
  })

  registerSecurityPolicy(app, options.policy)
  app.get('/healthz', async () => 'ok\n')
  // A server reached from outside should never appear in search results, whatever lets a
  // crawler through the gate.
  app.get('/robots.txt', async () => ROBOTS_TXT)
  app.get('/', homePage)
  return app
}
