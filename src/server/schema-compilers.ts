/**
 * Fastify's schema compilers (Ajv for validation, fast-json-stringify for responses), loaded when
 * the first route with a schema needs them instead of when the app is made. Fastify requires them
 * up front, which is about a fifth of tavern-server's start-up, while no route has a schema yet.
 */
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>

// Resolved from Fastify's own folder: they are Fastify's dependencies, in the versions it expects.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))

/** A function that loads `make()`'s result on its first call and forwards every call to it. */
function onFirstUse<F> (make: () => F): F {
  let loaded: ((...args: unknown[]) => unknown) | undefined
  return ((...args: unknown[]) => {
    loaded ??= make() as (...args: unknown[]) => unknown
    return loaded(...args)
  }) as F
}

/**
 * Compilers for one app, the same Fastify would make, created on first use.
 * @example fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } })
 */
export function lazySchemaCompilers (): CompilersFactory {
  return {
    buildValidator: onFirstUse(() => (fromFastify('@fastify/ajv-compiler') as () => ValidatorFactory)()),
    buildSerializer: onFirstUse(() => (fromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)())
  }
}
