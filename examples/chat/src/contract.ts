/**
 * The chat's event contract, written once and imported by the server and by the page.
 */

/** A person in the chat; `id` is their socket id (the seed's uid). */
export interface ChatUser {
  id: string;
  name: string;
}

/** A room message as everyone in the room sees it. */
export interface ChatMessage {
  id: string;
  room: string;
  from: ChatUser;
  text: string;
  /** Server time, ms since the epoch. */
  ts: number;
}

/** A private message between two users. */
export interface PrivateMessage {
  id: string;
  from: ChatUser;
  to: ChatUser;
  text: string;
  ts: number;
}

/** The answer to a request: what was asked for, or why it was refused. */
export type Result<T> = ({ ok: true } & T) | { ok: false; error: string };

/** What a page receives when it joins a room. */
export interface RoomState {
  room: string;
  history: ChatMessage[];
  members: ChatUser[];
}

/** What the page sends in its handshake `auth`, so it comes back as itself after a reconnect. */
export interface ChatAuth {
  name?: string;
  room?: string;
}

export interface ChatEvents {
  clientToServer: {
    chat(text: string, ack: (res: Result<{ message: ChatMessage }>) => void): void;
    private(to: string, text: string, ack: (res: Result<{ message: PrivateMessage }>) => void): void;
    nick(name: string, ack: (res: Result<{ user: ChatUser }>) => void): void;
    join(room: string, ack: (res: Result<RoomState>) => void): void;
    typing(typing: boolean): void;
  };
  serverToClient: {
    welcome(state: { user: ChatUser; rooms: string[] } & RoomState): void;
    chat(message: ChatMessage): void;
    private(message: PrivateMessage): void;
    joined(event: { room: string; user: ChatUser }): void;
    left(event: { room: string; user: ChatUser }): void;
    renamed(event: { user: ChatUser; previous: string }): void;
    members(event: { room: string; members: ChatUser[] }): void;
    rooms(rooms: string[]): void;
    typing(event: { room: string; user: ChatUser; typing: boolean }): void;
  };
}
