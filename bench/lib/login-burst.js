/**
 * Logged-in users while many log in at once. A client with a session cookie sends a steady
 * trickle of requests and times each one, first alone, then while another process sends a burst
 * of logins all at once, all of one account with its right password. The server checks the same
 * credentials sent at once only once (one scrypt), and then answers every login with a session of
 * its own: 200 sessions made and 200 answers written at the same moment. If that held the event
 * loop, or queued the requests of people already logged in behind it, their p99 would show it.
 */
import { fileURLToPath } from 'node:url'
import { runLoad } from './load.js'
import { launch } from './processes.js'

const BURST_WORKER = fileURLToPath(new URL('login-burst-worker.js', import.meta.url))
const PROBE = { connections: 4, overallRate: 200 }

/**
 * @param target the case to burst (started and prechecked, its headers holding a session), or undefined
 * @returns {{ caseName, targetMs, logins, method, reason?, rows }}
 */
export async function loginBurstCheck (target, { plan, pinning, route, burst, password }) {
  const logins = plan.quick ? burst.quickLogins : burst.logins
  const result = {
    caseName: burst.on,
    targetMs: burst.target.p99Ms,
    logins,
    method: `The logged-in client (autocannon, ${PROBE.connections} connections, ${PROBE.overallRate} requests/s in all, ` +
      `the session cookie of "${burst.on}") runs ${plan.flood} s alone, then while another process sends ${logins} logins at once ` +
      `(each on its own connection, all of another account with its right password: the server checks the same credentials sent at once ` +
      `once, a scrypt at its cost, 2^15, and then starts a session for each login).`,
    rows: []
  }
  if (target === undefined || target.reason !== undefined) {
    result.reason = target === undefined ? `no case named ${burst.on}` : target.reason
    return result
  }
  const url = `${target.server.origin}${route}`
  const probe = () => runLoad({ name: 'autocannon' }, { url, duration: plan.flood, headers: target.headers, cpu: pinning?.load, ...PROBE })
  result.rows.push({ label: 'alone', ...(await probe()), targeted: false })
  const spec = { origin: target.server.origin, logins, handle: burst.handle, password }
  const burster = launch(process.execPath, [BURST_WORKER, JSON.stringify(spec)], { cpu: pinning?.load })
  await burster.waitFor(/bursting\n/, 30_000)
  const measured = await probe()
  await burster.exited
  const outcome = JSON.parse(burster.out().trim().split('\n').pop())
  const row = { label: `during ${logins} logins at once`, ...measured, burst: outcome, targeted: true }
  row.pass = row.p99 < burst.target.p99Ms && row.errors === 0
  result.rows.push(row)
  return result
}
