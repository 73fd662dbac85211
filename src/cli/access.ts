/**
 * Puts the access rules together from the config: trusted proxies, the Host guard, the
 * whitelist (whitelist.txt or the config key, plus Docker hosts), the access log; and keeps the
 * whitelist and the log current on reload.
 */
import { createClientAddressResolver } from '../access/client-address.js'
import { dockerHostRules } from '../access/docker-hosts.js'
import type { ContainerProbe } from '../access/docker-hosts.js'
import { createHostGuard, ownHostNames } from '../access/host-guard.js'
import { compileIpRules } from '../access/ip-rules.js'
import type { IpMatcher, RuleSource } from '../access/ip-rules.js'
import { compileWhitelist, WHITELIST_FILE, WhitelistHolder } from '../access/whitelist.js'
import type { Config } from '../config/config.js'
import { TVS_ERR_ACCESS_LOG } from '../errors.js'
import { openAccessLog } from '../log/access-log.js'
import type { AccessLog } from '../log/access-log.js'
import { createAccessRecorder } from '../log/access-recorder.js'
import type { Logger } from '../log/console.js'
import type { Lifecycle } from '../server/lifecycle.js'
import type { SecurityPolicy } from '../server/security-policy.js'
import { watchFiles } from '../server/watch-files.js'
import { join } from 'node:path'

export interface AccessSetup {
  policy: SecurityPolicy
  /** The whitelist in force (an empty one when whitelistMode is false). */
  whitelist: () => IpMatcher
  /** Start-up lines (Docker hosts). */
  lines: string[]
}

/** The Docker host rules, when the config asks for them and the server runs in a container. */
export async function dockerRules (config: Config, probe: ContainerProbe): Promise<{ rules: RuleSource[], lines: string[] }> {
  return config.whitelistMode && config.whitelistDockerHosts ? dockerHostRules(probe) : { rules: [], lines: [] }
}

function openLog (config: Config, logger: Logger): AccessLog | undefined {
  if (!config.logging.enableAccessLog) return undefined
  const path = config.logging.accessLogPath
  let reported = false
  try {
    return openAccessLog(path, (error) => {
      if (!reported) logger.warn(`Cannot write the access log ${path}: ${error.message}`)
      reported = true
    })
  } catch (error) {
    throw new TVS_ERR_ACCESS_LOG(path, (error as Error).message, { cause: error })
  }
}

export interface AccessSetupOptions {
  config: Config
  /** Loads the config again, as at start-up (for the whitelist on reload). */
  reloadConfig: () => Config
  hostname: string
  probe: ContainerProbe
  logger: Logger
  lifecycle: Lifecycle
  print: (line: string) => void
  printError: (line: string) => void
}

export async function setUpAccess (options: AccessSetupOptions): Promise<AccessSetup> {
  const { config, lifecycle, logger } = options
  const trusted = compileIpRules(config.trustedProxies.map((entry, i) => ({ entry, source: `${config.configPath} trustedProxies[${i}]` })), 'trustedProxies')
  const docker = await dockerRules(config, options.probe)
  const holder = config.whitelistMode
    ? new WhitelistHolder(compileWhitelist(config, docker.rules), () => compileWhitelist(options.reloadConfig(), docker.rules))
    : undefined
  const none = compileIpRules([], 'whitelist')

  if (holder !== undefined) {
    const reload = (): void => {
      try {
        options.print(`whitelist reloaded: ${holder.reload().rules.length} entries`)
      } catch (error) {
        options.printError(`whitelist not reloaded, keeping the previous list: ${(error as Error).message}`)
      }
    }
    lifecycle.onReload(reload)
    lifecycle.onClose(watchFiles([config.configPath, join(config.baseDir, WHITELIST_FILE)], reload))
  }

  const log = openLog(config, logger)
  if (log !== undefined) {
    lifecycle.onReload(() => log.reopen())
    lifecycle.onClose(() => log.close())
  }

  return {
    policy: {
      config,
      resolver: createClientAddressResolver(trusted, config.forwardedHeaders),
      hostGuard: config.hostWhitelist.enabled ? createHostGuard(ownHostNames(options.hostname), config.hostWhitelist.hosts) : undefined,
      whitelist: holder,
      recorder: createAccessRecorder(log, logger)
    },
    whitelist: () => holder?.current ?? none,
    lines: docker.lines
  }
}
