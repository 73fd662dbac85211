/**
 * `tavern-server check-access <ip>`: would the server admit this address, and which rule decides.
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { parseAddress, formatAddress } from '../../access/ip-address.js'
import { lazyImport } from '../../lazy-import.js'
import { parsedFlags } from '../program.js'
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
      const [{ loadWithFlags }, { compileWhitelist, describeWhitelist }, { describeSource }, { dockerRules }, { listenAdvice }] = await lazyImport(() => Promise.all([
        import('../flag-config.js'), import('../../access/whitelist.js'), import('../../config/value-source.js'), import('../access.js'), import('../exposure.js')
      ]))
      const { config } = loadWithFlags(parsedFlags(command), io)
      const say = (line: string, code: number): void => {
        // The whitelist is not the only thing between another device and the server.
        const remote = !/^127\.|^::1$/.test(ip)
        const listen = remote && !config.listen
          ? `\nBut listen is false (${describeSource(config.sources.listen)}), so only this computer can connect at all: to let other devices in, ${listenAdvice(config)}.`
          : ''
        io.stdout.write(`${line}${listen}\n`)
        finish({ kind: 'exit', code })
      }
      if (!config.whitelistMode) {
        say(`${ip} is admitted: whitelistMode is false (${describeSource(config.sources.whitelistMode)}), so every address may connect.`, 0)
        return
      }
      const docker = await dockerRules(config, io.containerProbe)
      const whitelist = compileWhitelist(config, docker.rules)
      const rule = whitelist.matcher.match(ip)
      if (rule === undefined) {
        say(`${ip} is forbidden: no whitelist entry matches it (${describeWhitelist(whitelist)}). To admit it, add ${ip} to ${whitelist.list.addTo}.`, 1)
      } else {
        say(`${ip} is admitted by whitelist entry ${rule.entry} (${rule.source}).`, 0)
      }
    })
}
