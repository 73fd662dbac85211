/**
 * Writes a user record into a SillyTavern data root with SillyTavern's own code (its storage,
 * node-persist, and its password hash), the way versions before 1.18 stored handles that were
 * not slugs (lodash.kebabCase kept non-ASCII letters). The API of 1.19 would slugify the handle.
 *
 *   node sillytavern-user.mjs <SillyTavern folder> <data root> <handle> <name> <password>
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [app, dataRoot, handle, name, password] = process.argv.slice(2)
const load = (path) => import(pathToFileURL(join(app, path)).href)
const util = await load('src/util.js')
util.setConfigFilePath(join(app, 'default', 'config.yaml'))
const users = await load('src/users.js')
const { default: storage } = await load('../node-persist/src/node-persist.js')
await users.initUserStorage(dataRoot)
const salt = users.getPasswordSalt()
await storage.setItem(users.toKey(handle), {
  handle,
  name,
  created: Date.now(),
  password: users.getPasswordHash(password, salt),
  salt,
  enabled: true,
  admin: false
})
process.stdout.write(`stored ${users.toKey(handle)}\n`)
