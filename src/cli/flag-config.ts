/**
 * The config the command line asks for. Apart from the flags themselves (program.ts), so that
 * --help, --version and a mistyped flag do without the config loader and its YAML parser.
 */
import { loadConfig } from '../config/load.js'
import type { LoadedConfig } from '../config/load.js'
import type { ParsedFlags } from './program.js'

/**
 * Loads the config the server would use with these flags, in this folder and environment: every
 * sub-command reads the same configuration as the server.
 */
export function loadWithFlags (parsed: ParsedFlags, io: { cwd: string, env: Readonly<Record<string, string | undefined>> }, readOnly = false): LoadedConfig {
  return loadConfig({
    cwd: io.cwd,
    env: io.env,
    readOnly,
    flags: parsed.flags,
    ...(parsed.configPath === undefined ? {} : { configPath: parsed.configPath })
  })
}
