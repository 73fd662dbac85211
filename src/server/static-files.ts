/**
 * A folder of static files behind the gate (`app.root`), served by @fastify/static: content
 * types, ETag and Last-Modified with 304s, ranges, index.html for folders (a folder without its
 * slash is redirected to it). No listings, no dotfiles, no `..` or other non-canonical path in any
 * encoding (the library refuses those). What stays ours: no file reached through a symbolic link
 * that leaves the folder (the library follows links; checked here on the real path of the file it
 * chose), tavern-server's own paths, and error pages in the words of the rest of the gate.
 */
import { realpathSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import { realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import type { Readable } from 'node:stream'
import fastifyStatic from '@fastify/static'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorPage } from './error-page.js'
import { isReserved } from './reserved-paths.js'

const MESSAGES: Record<number, string> = {
  400: 'Bad Request: the path cannot be read.',
  403: 'Forbidden: this path leads outside the served folder, or is not written plainly (., .., //, a backslash).',
  412: 'Precondition Failed: the file has changed.',
  416: 'Range Not Satisfiable: the file is not that long.',
  500: 'Internal Server Error: the file cannot be read.'
}

/** The headers of a file answer, removed when the file turns out to be refused. */
const FILE_HEADERS = ['accept-ranges', 'cache-control', 'last-modified', 'etag', 'content-type', 'content-length', 'content-range']

function fail (request: FastifyRequest, reply: FastifyReply, status: number): string {
  /* c8 ignore next -- every status the library answers with has its sentence above */
  const page = errorPage(request.headers.accept, status, MESSAGES[status] ?? `${STATUS_CODES[status] as string}: the file cannot be served.`)
  reply.code(status).type(page.type)
  return page.body
}

/** Whether the file's real path is inside the folder (`folder` ends with a separator). */
async function inside (path: string, folder: string): Promise<boolean> {
  try {
    return (await realpath(path)).startsWith(folder)
  /* c8 ignore next 3 -- the file was there a moment ago, when the library found it; gone now: refused */
  } catch {
    return false
  }
}

/**
 * Serves the files of `folder` for GET and HEAD on every path that is not tavern-server's own.
 * @example registerStaticFiles(app, '/srv/site')
 */
export function registerStaticFiles (app: FastifyInstance, folder: string): void {
  // The folder itself may be reached through a link; what lies in it must resolve inside it.
  const root = realpathSync(folder)
  const within = join(root, sep)
  /** The file the library chose for a request, known just before it is sent. */
  const chosen = new WeakMap<FastifyRequest, string>()
  void app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError & { headers?: Record<string, string> }, request, reply) => {
      // A 416 carries the file's length (Content-Range).
      if (error.headers !== undefined) reply.headers(error.headers)
      /* c8 ignore next -- the library's errors all carry their status */
      return fail(request, reply, error.statusCode ?? 500)
    })
    // The library follows symbolic links; a file whose real path is outside the folder is refused
    // before a byte of it is sent (its stream is not opened yet).
    scope.addHook('onSend', async (request, reply, payload: Readable) => {
      const path = chosen.get(request)
      if (path === undefined || await inside(path, within)) return payload
      payload.destroy()
      for (const name of FILE_HEADERS) reply.removeHeader(name)
      return fail(request, reply, 403)
    })
    await scope.register(fastifyStatic, {
      root,
      index: ['index.html'],
      dotfiles: 'ignore',
      redirect: true,
      // Paths under /_tavern/ are the gate's even when the folder has them: a 404 here.
      allowedPath: (_path, _root, request) => !isReserved(request.raw.url as string),
      setHeaders: (reply, path) => { chosen.set(reply.request, path) }
    })
  })
}
