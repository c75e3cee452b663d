/**
 * The `<script>` build (dist/emitwire.min.js): defines `emitwire` (the whole API), `io` (a drop-in
 * for Socket.IO pages) and `SocketIO` (the seed page's `new SocketIO(host, port)`) on the global object.
 */
import * as emitwire from './index.js';

const g = globalThis as Record<string, unknown>;
g.emitwire = emitwire;
g.io = emitwire.io;
g.SocketIO = emitwire.SocketIO;
