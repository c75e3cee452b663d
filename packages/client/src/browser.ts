/**
 * The `<script>` build (dist/emitwire.min.js): defines `emitwire` (the whole API), `io` (a drop-in
 * for Socket.IO pages) and `SocketIO` (the seed page's `new SocketIO(host, port)`) on the global object.
 */
import * as emitwire from './index.js';

const g = globalThis as Record<string, unknown>;
g.emitwire = emitwire;
// as socket.io.js defines it: pages call io.connect(url), its old name, and reach io.Manager, io.Socket
g.io = Object.assign(emitwire.io, { connect: emitwire.io, Manager: emitwire.Manager, Socket: emitwire.Socket });
g.SocketIO = emitwire.SocketIO;
