/**
 * A validated Config for unit tests: the shipped defaults with overrides, loaded through the real
 * loader from a temporary base directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dump } from 'js-yaml'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/config.js'

export function makeConfig (overrides: Record<string, unknown> = {}, dir = mkdtempSync(join(tmpdir(), 'tavern-'))): Config {
  writeFileSync(join(dir, 'config.yaml'), dump(overrides))
  return loadConfig({ cwd: dir, env: {} }).config
}
