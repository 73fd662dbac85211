/**
 * Accounts for the account cases, made the way a user makes them (the real `tavern-server users
 * add`, the password on stdin) before the server starts, and a login over the JSON API once it
 * runs, for the session cookie the measuring client sends.
 */
import { createServer } from 'node:net'
import { request } from 'node:http'
import { lastLine, runToEnd } from './processes.js'
import { writeConfig } from './servers.js'

/** Writes the case's config.yaml into `dir` and adds each account there, with `password`. */
export async function createAccounts ({ dir, bin, config, handles, password }) {
  writeConfig(dir, config)
  for (const handle of handles) {
    const result = await runToEnd(process.execPath, [bin, 'users', 'add', handle], { cwd: dir, input: `${password}\n`, timeoutMs: 60_000 })
    if (result.code !== 0) throw new Error(`\`tavern-server users add ${handle}\` failed (exit ${result.code}): ${lastLine(result.err) || lastLine(result.out)}`)
  }
}

/** A TCP port that was free a moment ago: a server restarted on it keeps its cookie's name. */
export function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** One login over the API; resolves with its answer's status and the `name=value` of its cookie. */
export function logIn (origin, handle, password) {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/_tavern/api/login`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }))
      res.on('error', reject)
    })
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')))
    req.on('error', reject)
    req.end(JSON.stringify({ handle, password }))
  })
}

/** The session cookie of a login that must succeed. */
export async function sessionCookie (origin, handle, password) {
  const { status, cookie } = await logIn(origin, handle, password)
  if (status !== 200 || cookie === undefined) throw new Error(`logging in as ${handle} answered ${status}`)
  return cookie
}
