/**
 * `tavern-server doctor`: why can another device not connect? Every check with its fix, the
 * outcome sorted into the three cases users meet; exit 0 when nothing is wrong, 1 otherwise.
 */
import type { Command } from 'commander'
import { lazyImport } from '../../lazy-import.js'
import { parsedFlags } from '../program.js'
import type { CommandContext } from './index.js'

export function registerDoctor (program: Command, { io, finish }: CommandContext): void {
  program.command('doctor')
    .description('check why another device cannot connect: the config in force, listening, the whitelist, the port, HTTPS, the firewall, tunnels (exit 0 nothing wrong, 1 a problem)')
    .option('--json', 'print the report as JSON, for scripts')
    .action(async (options: { json?: true }, command: Command) => {
      const [{ diagnose }, { exitCodeOf, renderJson, renderText }] = await lazyImport(() => Promise.all([import('../doctor/diagnose.js'), import('../doctor/report.js')]))
      const report = await diagnose(parsedFlags(command), io)
      io.stdout.write(options.json === true ? renderJson(report) : renderText(report))
      finish({ kind: 'exit', code: exitCodeOf(report.checks) })
    })
}
