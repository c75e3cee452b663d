import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Server } from '@emitwire/server';
import type { ChatAuth, ChatEvents } from './contract.js';
import { ChatService, type ChatLimits } from './chat-service.js';

export interface ChatServerOptions {
  /** Folder with index.html, app.js and style.css (built by scripts/build.mjs). */
  publicDir: string;
  limits?: Partial<ChatLimits>;
}

export interface ChatServer {
  http: HttpServer;
  io: Server<ChatEvents>;
  chat: ChatService;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A request path as a file name: undefined when its percent-encoding is malformed (`/%E0%A4%A`). */
function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/**
 * Serves the page's static files; nothing outside `root` is reachable. It gets every request the
 * emitwire server does not answer itself (that server answers its own path first), and answers
 * each one: 404 for anything that is not a page file.
 */
function serveStatic(root: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (res.headersSent || res.writableEnded) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodePath(url.pathname);
    const rel = url.pathname === '/' ? 'index.html' : path?.slice(1);
    const file = rel === undefined ? '' : normalize(join(root, rel));
    const type = TYPES[extname(file)];
    if (req.method !== 'GET' || type === undefined || !file.startsWith(root + sep)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  };
}

/**
 * The chat room: an http server for the page and an emitwire server for the chat, sharing one port.
 * Call `http.listen(port, host)` to start it.
 */
export function createChatServer(options: ChatServerOptions): ChatServer {
  const http = createServer();
  const statics = serveStatic(normalize(options.publicDir));
  http.on('request', (req, res) => {
    // a failure of ours answers 500: an unhandled rejection would stop the process, and every chat
    statics(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });

  const io = new Server<ChatEvents>(http, { serveClient: false });
  const chat = new ChatService(options.limits);

  const broadcastRooms = () => io.emit('rooms', chat.roomNames());
  const broadcastMembers = (room: string) => io.to(room).emit('members', { room, members: chat.members(room) });

  io.on('connection', (socket) => {
    const auth = (socket.handshake.auth ?? {}) as ChatAuth;
    const { user, state } = chat.connect(socket.id, auth);
    void socket.join(state.room);
    socket.emit('welcome', { user, rooms: chat.roomNames(), ...state });
    socket.to(state.room).emit('joined', { room: state.room, user });
    broadcastMembers(state.room);

    socket.on('chat', (text, ack) => {
      const res = chat.say(socket.id, text);
      // everyone else in the room gets the message; the sender learns it was delivered from the ack
      if (res.ok) socket.to(res.message.room).emit('chat', res.message);
      if (typeof ack === 'function') ack(res);
    });

    socket.on('private', (to, text, ack) => {
      const res = chat.whisper(socket.id, to, text);
      if (res.ok) io.to(res.message.to.id).emit('private', res.message);
      if (typeof ack === 'function') ack(res);
    });

    socket.on('nick', (name, ack) => {
      const res = chat.rename(socket.id, name);
      if (res.ok) {
        const room = chat.roomOf(socket.id)!;
        io.to(room).emit('renamed', { user: res.user, previous: res.previous });
        broadcastMembers(room);
        if (typeof ack === 'function') ack({ ok: true, user: res.user });
      } else if (typeof ack === 'function') ack(res);
    });

    socket.on('join', (room, ack) => {
      const res = chat.join(socket.id, room);
      if (!res.ok) {
        if (typeof ack === 'function') ack(res);
        return;
      }
      const me = chat.user(socket.id)!;
      if (res.previous !== res.room) {
        void socket.leave(res.previous);
        socket.to(res.previous).emit('left', { room: res.previous, user: me });
        broadcastMembers(res.previous);
        void socket.join(res.room);
        socket.to(res.room).emit('joined', { room: res.room, user: me });
        broadcastMembers(res.room);
      }
      if (res.created) broadcastRooms();
      if (typeof ack === 'function') ack({ ok: true, room: res.room, history: res.history, members: chat.members(res.room) });
    });

    socket.on('typing', (typing) => {
      const hint = chat.typing(socket.id, typing);
      // a hint, not a message: dropped rather than queued when a peer is slow or offline
      if (hint !== undefined) socket.to(hint.room).volatile.emit('typing', hint);
    });

    socket.on('disconnect', () => {
      const gone = chat.disconnect(socket.id);
      if (gone === undefined) return;
      io.to(gone.room).emit('left', { room: gone.room, user: gone.user });
      broadcastMembers(gone.room);
    });
  });

  return {
    http,
    io,
    chat,
    close: async () => {
      await io.close();
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
