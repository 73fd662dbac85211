/**
 * doctor's checks of what runs behind and in front of the gate: whether the app behind it
 * (app.upstream) answers, and which tunnels the running server has seen relay requests to it.
 */
import type { Config } from '../../config/config.js'
import { failureReason } from '../../server/upstream-health.js'
import { describeTunnel, tunnelConsequence } from '../tunnel-notice.js'
import type { TunnelName } from '../../access/tunnel-marks.js'
import { get } from './http-probe.js'
import type { ServerFacts } from './http-probe.js'
import type { Check } from './report.js'

/** Whether the app behind the gate answers at all (any HTTP answer counts). */
export async function appCheck (config: Config): Promise<Check | undefined> {
  const { upstream } = config.app
  if (upstream === undefined) return undefined
  const result = await get(`${upstream}/`)
  if (result.kind === 'answer') return { id: 'app', status: 'ok', message: `the app behind the gate, at ${upstream}, answers (HTTP ${result.status})` }
  return {
    id: 'app',
    status: 'problem',
    class: 'other',
    message: `the app behind the gate, at ${upstream}, ${failureReason(result.error)}: visitors would get 502 Bad Gateway`,
    fix: `start it, or set app.upstream in ${config.configPath} to its address and port`
  }
}

/** The tunnels a running server has seen, and what their visitors face. */
export function tunnelChecks (config: Config, running: ServerFacts | undefined, passwordRequired: boolean): Check[] {
  if (running === undefined) {
    return [{ id: 'tunnels', status: 'info', message: 'the server is not running here, so doctor cannot ask it whether a tunnel (Tailscale Serve or Funnel, cloudflared, ngrok) relays requests to it' }]
  }
  const seen = running.tunnels ?? []
  if (seen.length === 0) return [{ id: 'tunnels', status: 'ok', message: 'no tunnel has relayed a request to the running server since it started' }]
  return seen.map((t) => ({
    id: 'tunnels',
    status: 'warning' as const,
    class: 'other' as const,
    message: `${describeTunnel(t.tunnel as TunnelName, t.mark)} relayed ${t.requests} request${t.requests === 1 ? '' : 's'} to the running server (last at ${t.last}). ` +
      `They arrive from this computer's own address but are not treated as this computer. ${tunnelConsequence(config, t.originKnown, passwordRequired)}`
  }))
}
