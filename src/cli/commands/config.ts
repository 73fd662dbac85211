/**
 * `tavern-server config`: the configuration the server would use, with where each value comes
 * from, secrets hidden. It reads the config exactly as the server would, flags included.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { lazyImport } from '../../lazy-import.js'
import { parsedFlags } from '../program.js'
import type { CommandContext } from './index.js'

export function registerConfig (program: Command, { io, finish }: CommandContext): void {
  program.command('config')
    .description('print the configuration the server would use and where each value comes from (default, config file and line, environment variable, flag); passwords and passphrases are hidden')
    .action(async (_options: unknown, command: Command) => {
      const [{ loadWithFlags }, { readWhitelist, WHITELIST_FILE }, { configReport }] = await lazyImport(() => Promise.all([import('../flag-config.js'), import('../../access/whitelist.js'), import('../config-report.js')]))
      const { config, notices, warnings } = loadWithFlags(parsedFlags(command), io)
      // Only the report on stdout, so it can be saved or compared.
      for (const line of [...notices, ...warnings]) io.stderr.write(`${line}\n`)
      const file = join(config.baseDir, WHITELIST_FILE)
      const whitelistFile = existsSync(file) ? { file, entries: readWhitelist(config).rules.length } : undefined
      io.stdout.write(configReport(config, whitelistFile))
      finish({ kind: 'exit', code: 0 })
    })
}
