import { randomBytes } from 'node:crypto';

/**
 * A fresh unguessable id: 15 random bytes as 20 base64url characters. Used for Engine.IO session
 * ids and socket ids; a socket id is also the name of its private room, so it must not be guessable.
 */
export function generateId(): string {
  return randomBytes(15).toString('base64url');
}
