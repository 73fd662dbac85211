/**
 * Both lockfiles (the project's, and the one SillyTavern is installed from for the tests) name
 * each package's download address, so `npm ci` goes straight to the tarballs instead of fetching
 * every package's metadata first; the .npmrc beside each keeps npm writing them, whatever the
 * machine's own npm configuration says.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'

const LOCKFILES = ['package-lock.json', 'test/setup/sillytavern/package-lock.json']

interface Entry { version?: string, resolved?: string, integrity?: string, link?: boolean, name?: string }

for (const lockfile of LOCKFILES) {
  t.test(`${lockfile}: every package has its address and its checksum`, async (t) => {
    const { packages } = JSON.parse(readFileSync(new URL(`../${lockfile}`, import.meta.url), 'utf8')) as { packages: Record<string, Entry> }
    const installed = Object.entries(packages).filter(([path, entry]) => path !== '' && entry.link !== true)
    t.ok(installed.length > 100, `${installed.length} packages`)
    const wrong = installed.filter(([path, entry]) => {
      const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
      const file = `${name.slice(name.lastIndexOf('/') + 1)}-${entry.version ?? ''}.tgz`
      return entry.resolved !== `https://registry.npmjs.org/${name}/-/${file}` || !/^sha512-/.test(entry.integrity ?? '')
    })
    t.same(wrong.map(([path]) => path), [], 'none without')
  })

  t.test(`${lockfile}: npm is told to keep writing the addresses`, async (t) => {
    const npmrc = readFileSync(new URL(`../${lockfile.replace(/package-lock\.json$/, '.npmrc')}`, import.meta.url), 'utf8')
    t.match(npmrc, /^omit-lockfile-registry-resolved=false$/m)
  })
}
