/**
 * `tavern-server check-access <ip>`: would the server admit this address, and which rule decides.
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { parseAddress, formatAddress } from '../../access/ip-address.js'
import { compileWhitelist, readWhitelist } from '../../access/whitelist.js'
import { dockerRules } from '../access.js'
import { commandConfig } from '../program.js'
import type { CommandContext } from './index.js'

export function registerCheckAccess (program: Command, { io, finish }: CommandContext): void {
  program.command('check-access')
    .description('tell whether the server would admit an IP address, and which whitelist rule decides (exit 0 admitted, 1 forbidden)')
    .argument('<ip>', 'the client address, IPv4 or IPv6', (text: string) => {
      const address = parseAddress(text.trim())
      if (address === undefined) throw new InvalidArgumentError('Expected an IPv4 or IPv6 address.')
      return formatAddress(address)
    })
    .action(async (ip: string, _options: unknown, command: Command) => {
      const { config } = commandConfig(command, io)
      if (!config.whitelistMode) {
        io.stdout.write(`${ip} is admitted: whitelistMode is false in ${config.configPath}, so every address may connect.\n`)
        finish({ kind: 'exit', code: 0 })
        return
      }
      const docker = await dockerRules(config, io.containerProbe)
      const whitelist = compileWhitelist(config, docker.rules)
      const rule = whitelist.match(ip)
      if (rule === undefined) {
        io.stdout.write(`${ip} is forbidden: no whitelist entry matches it (${whitelist.rules.length} entries from ${readWhitelist(config).from}).\n`)
        finish({ kind: 'exit', code: 1 })
      } else {
        io.stdout.write(`${ip} is admitted by whitelist entry ${rule.entry} (${rule.source}).\n`)
        finish({ kind: 'exit', code: 0 })
      }
    })
}
