/**
 * A folder of static files behind the gate (`app.root`), served by @fastify/send (the file server
 * inside @fastify/static): content types, ETag and Last-Modified with 304s, ranges, index.html for
 * folders. No listings, no dotfiles, no `..` in any encoding (send refuses those), and no file
 * reached through a symbolic link that leaves the folder (checked here, on the real path).
 */
import { realpathSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import send from '@fastify/send'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorPage } from './error-page.js'
import { isReserved } from './reserved-paths.js'

const MESSAGES: Record<number, string> = {
  400: 'Bad Request: the path cannot be read.',
  403: 'Forbidden: this path is outside the served folder.',
  404: 'Not Found: there is no file at this path.',
  412: 'Precondition Failed: the file has changed.',
  416: 'Range Not Satisfiable: the file is not that long.',
  500: 'Internal Server Error: the file cannot be read.'
}

function fail (request: FastifyRequest, reply: FastifyReply, status: number): void {
  const page = errorPage(request.headers.accept, status, MESSAGES[status] as string)
  reply.code(status).type(page.type).send(page.body)
}

/** Whether the file's real path is inside the folder (`folder` ends with a separator). */
async function inside (path: string, folder: string): Promise<boolean> {
  try {
    return (await realpath(path)).startsWith(folder)
  /* c8 ignore next 3 -- the file was there a moment ago, when send() found it; gone now: refused */
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
  app.get('/*', async (request, reply) => {
    const url = request.raw.url as string
    if (isReserved(url)) return reply.callNotFound()
    const query = url.indexOf('?')
    const result = await send(request.raw, query === -1 ? url : url.slice(0, query), {
      root,
      index: ['index.html'],
      dotfiles: 'ignore'
    })
    if (result.type === 'error') {
      result.stream.destroy()
      return fail(request, reply, result.statusCode)
    }
    if (!await inside(result.metadata.path, within)) {
      result.stream.destroy()
      return fail(request, reply, 403)
    }
    return reply.code(result.statusCode).headers(result.headers).send(result.stream)
  })
}
