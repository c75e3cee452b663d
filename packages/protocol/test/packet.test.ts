import { PacketType, RESERVED_EVENTS } from '@emitwire/protocol';

describe('packet types and reserved names (PROTOCOL.md)', () => {
  it('numbers the Socket.IO packet types 0–6', () => {
    expect(PacketType).toEqual({
      CONNECT: 0,
      DISCONNECT: 1,
      EVENT: 2,
      ACK: 3,
      CONNECT_ERROR: 4,
      BINARY_EVENT: 5,
      BINARY_ACK: 6,
    });
  });

  it('reserves exactly the lifecycle event names', () => {
    expect([...RESERVED_EVENTS].sort()).toEqual(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
    for (const ordinary of ['message', 'error', 'chat', '__proto__', 'constructor', 'toString']) {
      expect(RESERVED_EVENTS.has(ordinary)).toBe(false);
    }
  });
});
