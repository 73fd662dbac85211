import t from 'tap'
import type { TunnelSighting } from '../../src/access/tunnel-marks.js'
import { TunnelSightings } from '../../src/log/tunnel-sightings.js'

t.test('remembers each tunnel once, with and without a known origin, counting requests', async (t) => {
  let clock = Date.UTC(2026, 10, 25, 10, 0, 0)
  const first: TunnelSighting[] = []
  const seen = new TunnelSightings((s) => { first.push(s) }, () => clock)
  const funnel: TunnelSighting = { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', origin: undefined }
  seen.seen(funnel)
  clock += 1000
  seen.seen({ ...funnel, mark: 'Tailscale-Ingress-Src' })
  seen.seen({ tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', origin: '203.0.113.5' })
  t.same(first.map((s) => s.origin), [undefined, '203.0.113.5'], 'told once per tunnel and kind of origin')
  t.same(seen.list(), [
    { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', originKnown: false, requests: 2, first: '2026-11-25T10:00:00.000Z', last: '2026-11-25T10:00:01.000Z' },
    { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', originKnown: true, requests: 1, first: '2026-11-25T10:00:01.000Z', last: '2026-11-25T10:00:01.000Z' }
  ])
})

t.test('the clock defaults to the real one', async (t) => {
  const seen = new TunnelSightings(() => {})
  seen.seen({ tunnel: 'ngrok', mark: 'Ngrok-Trace-Id', origin: undefined })
  t.ok(Date.parse(seen.list()[0]?.first ?? '') <= Date.now())
})
