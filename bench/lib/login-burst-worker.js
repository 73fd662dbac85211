/**
 * Sends `logins` logins at once, each on its own connection, and prints `bursting` once they are
 * all sent, then one JSON line: how long until the last answer and the count per status.
 *
 *   node bench/lib/login-burst-worker.js '{"origin":"http://127.0.0.1:8000","logins":200,"handle":"burst","password":"..."}'
 */
import { performance } from 'node:perf_hooks'
import { logIn } from './accounts.js'

const spec = JSON.parse(process.argv[2] ?? '{}')
const began = performance.now()
const all = Array.from({ length: spec.logins }, () => logIn(spec.origin, spec.handle, spec.password).then((r) => String(r.status), () => 'error'))
process.stdout.write('bursting\n')
const statuses = {}
for (const status of await Promise.all(all)) statuses[status] = (statuses[status] ?? 0) + 1
process.stdout.write(`${JSON.stringify({ logins: spec.logins, seconds: (performance.now() - began) / 1000, statuses })}\n`)
