/** The unit tests of group 'access' (see groups.ts), in one process. */
import { runGroup } from './groups.js'

await runGroup('access')
