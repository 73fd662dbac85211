// npm run docs:env: writes the table of environment variables in README.md from
// default/config.yaml (run it again after adding a key). With --check it only says whether the
// table is up to date, and exits 1 when it is not.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DEFAULT_CONFIG_FILE } from '../dist/config/load.js'
import { envRows, envTable, replaceEnvTable } from '../dist/config/env-table.js'

const readmeFile = fileURLToPath(new URL('../README.md', import.meta.url))
const readme = readFileSync(readmeFile, 'utf8')
const rows = envRows(readFileSync(DEFAULT_CONFIG_FILE, 'utf8'), DEFAULT_CONFIG_FILE)
const updated = replaceEnvTable(readme, envTable(rows))
if (updated === undefined) {
  console.error(`README.md has no table markers; put these two lines where the table goes:\n<!-- env-table:begin ... -->\n<!-- env-table:end -->`)
  process.exit(1)
}
const undocumented = rows.filter((row) => row.defaultValue === undefined || row.meaning === '').map((row) => row.key)
if (undocumented.length > 0) console.error(`default/config.yaml lacks a default or a comment for: ${undocumented.join(', ')}`)
if (process.argv.includes('--check')) {
  console.log(updated === readme ? 'The environment table in README.md is up to date.' : 'The environment table in README.md is out of date: run npm run docs:env.')
  process.exit(updated === readme && undocumented.length === 0 ? 0 : 1)
}
writeFileSync(readmeFile, updated)
console.log(`Wrote the environment table (${rows.length} keys) in README.md.`)
