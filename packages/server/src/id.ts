import { randomBytes } from 'node:crypto';

/** Ids drawn per call to the random source: each id still gets fresh random bytes of its own. */
const IDS_PER_DRAW = 256;
const ID_BYTES = 15;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A fresh unguessable id: 15 random bytes as 20 base64url characters. Used for Engine.IO session
 * ids and socket ids; a socket id is also the name of its private room, so it must not be guessable.
 * The bytes come from one `randomBytes` call per 256 ids (a call costs about as much as opening
 * the rest of a connection's state: issue 6, connection rate); no byte is ever used twice.
 */
export function generateId(): string {
  if (offset === pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
