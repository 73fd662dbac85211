import t from 'tap'
import { tunnelConsequence, tunnelNotice } from '../../src/cli/tunnel-notice.js'
import { makeConfig } from '../helpers/config.js'

t.test('what a tunnel\'s visitors face, ending in what to change', async (t) => {
  const config = makeConfig()
  const at = `config.yaml in ${config.baseDir}`
  t.equal(tunnelConsequence(config, false, false), `Nothing says who its visitors are, so no whitelist entry admits them and they are refused (403, reason=tunnel-forbidden in the access log). To let visitors through the tunnel in with a password, set basicAuthMode: true (with basicAuthUser) and satisfy: any in ${at}.`)
  t.equal(tunnelConsequence(config, false, true), `Nothing says who its visitors are, so no whitelist entry admits them and they are refused (403, reason=tunnel-forbidden in the access log). To let visitors through the tunnel in with the password, set satisfy: any in ${at}.`)
  t.equal(tunnelConsequence(makeConfig({ satisfy: 'any' }), false, true), 'Nothing says who its visitors are, so no whitelist entry admits them: they must give the password (satisfy: any).')
  t.equal(tunnelConsequence(config, true, true), 'Each request is judged by its visitor\'s own address (from the forwarded header), which must be on the whitelist, and must give the password.')
  t.equal(tunnelConsequence(config, true, false), 'Each request is judged by its visitor\'s own address (from the forwarded header), which must be on the whitelist, and no password is asked.')
  const open = makeConfig({ whitelistMode: false })
  t.equal(tunnelConsequence(open, false, true), 'Its visitors must give the password.')
  t.equal(tunnelConsequence(open, false, false), `Its visitors get in with no password (whitelistMode is false and no password is set): set basicAuthMode: true with basicAuthUser in ${open.configPath}.`)
  t.equal(tunnelConsequence(open, true, true), 'Each visitor must give the password.')
  t.equal(tunnelConsequence(open, true, false), `Each visitor gets in with no password (whitelistMode is false): set basicAuthMode: true with basicAuthUser in ${open.configPath}.`)
})

t.test('the console notice names the tunnel and its mark', async (t) => {
  const config = makeConfig({ satisfy: 'any' })
  t.equal(tunnelNotice(config, { tunnel: 'a proxy or tunnel', mark: 'X-Forwarded-For', origin: undefined }, true),
    'Exposure changed: a proxy or tunnel on this computer (its requests carry X-Forwarded-For) relays requests to this server. They arrive from this computer\'s own address but are not treated as this computer. Nothing says who its visitors are, so no whitelist entry admits them: they must give the password (satisfy: any).')
})
