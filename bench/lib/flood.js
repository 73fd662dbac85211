/**
 * The event-loop stall check. A client with the right password sends a steady trickle of
 * requests and times each one, first alone, then while another client sends wrong passwords as
 * fast as the server answers: from one address, then from many (so a per-address limit does not
 * turn them all away cheaply). If checking a wrong password blocked the event loop, the valid
 * requests would wait behind it and their p99 would show it.
 */
import { fileURLToPath } from 'node:url'
import { runLoad } from './load.js'
import { launch } from './processes.js'

const FLOOD_WORKER = fileURLToPath(new URL('flood-worker.js', import.meta.url))
const PROBE = { connections: 4, overallRate: 200 }
const FLOODERS = 16

/**
 * @param target the case to flood (started and prechecked), or undefined
 * @returns {{ caseName, targetMs, method, reason?, rows }}
 */
export async function floodCheck (target, { plan, pinning, route, flood }) {
  const result = {
    caseName: flood.on,
    targetMs: flood.target.p99Ms,
    method: `The valid client (autocannon, ${PROBE.connections} connections, ${PROBE.overallRate} requests/s in all, ` +
      `credentials of "${flood.on}") runs ${plan.flood} s alone, then during each flood. The flood: ${FLOODERS} ` +
      'connections sending a wrong password as fast as they are answered, from 127.0.0.2 over keep-alive, then ' +
      'from 127.2.0.0/16 with a new connection and address per request; it runs at the lowest priority ' +
      '(nice 19) beside the valid client, so it cannot slow the client down, only the server.',
    rows: []
  }
  if (target === undefined || target.reason !== undefined) {
    result.reason = target === undefined ? `no case named ${flood.on}` : target.reason
    return result
  }
  const url = `${target.server.origin}${route}`
  const probe = () => runLoad({ name: 'autocannon' }, {
    url, duration: plan.flood, headers: target.headers, caPath: target.caPath, cpu: pinning?.load, ...PROBE
  })
  result.rows.push({ label: 'alone', ...(await probe()), targeted: false })

  for (const [label, sources] of [['during a flood from 127.0.0.2', 'one'], ['during a flood from 65,536 addresses', 'many']]) {
    const spec = { url, connections: FLOODERS, duration: plan.flood + plan.floodMargin, headers: flood.wrongHeaders, sources, from: '127.0.0.2' }
    const flooder = launch('nice', ['-n', '19', process.execPath, FLOOD_WORKER, JSON.stringify(spec)], { cpu: pinning?.load })
    await flooder.waitFor(/flooding\n/, 30_000)
    const measured = await probe()
    await flooder.exited
    const line = flooder.out().trim().split('\n').pop()
    const row = { label, ...measured, flood: JSON.parse(line), targeted: true }
    row.pass = row.p99 < flood.target.p99Ms && row.errors === 0
    result.rows.push(row)
  }
  return result
}

