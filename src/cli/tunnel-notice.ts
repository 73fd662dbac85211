/**
 * The words about tunnels (issue 15): the end of the Forbidden message for a visitor a tunnel
 * relayed without saying who it is, the console line when a tunnel is first seen (the exposure
 * changed), and what `doctor` says about the tunnels a running server has seen. The rule itself is
 * in src/access/tunnel-marks.ts.
 */
import type { TunnelName, TunnelSighting } from '../access/tunnel-marks.js'
import type { Config } from '../config/config.js'

/** What to change so that a tunnel's visitors can get in: a password, asked with satisfy: any. */
export function tunnelAdvice (config: Config, passwordRequired: boolean): string {
  const where = `config.yaml in ${config.baseDir}`
  return passwordRequired
    ? `To let visitors through the tunnel in with the password, set satisfy: any in ${where}.`
    : `To let visitors through the tunnel in with a password, set basicAuthMode: true (with basicAuthUser) and satisfy: any in ${where}.`
}

/** The end of the Forbidden message for a relayed visitor nobody named. */
export function tunnelForbiddenAdvice (config: Config, passwordRequired: boolean): string {
  return `Requests relayed from the server's own computer are not treated as that computer. ${tunnelAdvice(config, passwordRequired)}`
}

/**
 * What a tunnel's visitors face under this configuration, ending in what to do when that is not
 * what the owner wants.
 */
export function tunnelConsequence (config: Config, originKnown: boolean, passwordRequired: boolean): string {
  const password = passwordRequired ? 'and must give the password' : 'and no password is asked'
  if (originKnown) {
    return config.whitelistMode
      ? `Each request is judged by its visitor's own address (from the forwarded header), which must be on the whitelist, ${password}.`
      : `Each visitor ${passwordRequired ? 'must give the password' : 'gets in with no password (whitelistMode is false): set basicAuthMode: true with basicAuthUser in ' + config.configPath}.`
  }
  if (!config.whitelistMode) {
    return passwordRequired
      ? 'Its visitors must give the password.'
      : `Its visitors get in with no password (whitelistMode is false and no password is set): set basicAuthMode: true with basicAuthUser in ${config.configPath}.`
  }
  if (config.satisfy === 'any' && passwordRequired) return 'Nothing says who its visitors are, so no whitelist entry admits them: they must give the password (satisfy: any).'
  return `Nothing says who its visitors are, so no whitelist entry admits them and they are refused (403, reason=tunnel-forbidden in the access log). ${tunnelAdvice(config, passwordRequired)}`
}

/** The console line the first time a tunnel relays a request. */
export function tunnelNotice (config: Config, sighting: TunnelSighting, passwordRequired: boolean): string {
  return `Exposure changed: ${describeTunnel(sighting.tunnel, sighting.mark)} relays requests to this server. ` +
    `They arrive from this computer's own address but are not treated as this computer. ${tunnelConsequence(config, sighting.origin !== undefined, passwordRequired)}`
}

/** `Tailscale Funnel (its requests carry Tailscale-Funnel-Request)` */
export function describeTunnel (tunnel: TunnelName, mark: string): string {
  return `${tunnel === 'a proxy or tunnel' ? 'a proxy or tunnel on this computer' : tunnel} (its requests carry ${mark})`
}
