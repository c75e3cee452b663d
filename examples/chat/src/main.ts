import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChatServer } from './chat-server.js';

// dist/main.js serves dist/public
const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? 'localhost';

const server = createChatServer({ publicDir: join(here, 'public') });
server.http.listen(port, host, () => {
  const address = server.http.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  console.log(`emitwire chat on http://${host}:${actual}`);
});

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
