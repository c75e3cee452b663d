import * as protocol from '@emitwire/protocol';

describe('@emitwire/protocol public surface', () => {
  it('exports the runtime names server and client are written against (additions are fine, removals are breaking)', () => {
    const required = [
      'ClosedError',
      'DEFAULT_DECODER_OPTIONS',
      'Decoder',
      'ENGINE_CLOSE',
      'ENGINE_NOOP',
      'ENGINE_PING',
      'ENGINE_PONG',
      'ENGINE_PROTOCOL',
      'EmitwireError',
      'EnginePacketType',
      'ErrorCode',
      'MAIN_NAMESPACE',
      'PacketType',
      'ProtocolError',
      'REMOTE_ERROR_KEY',
      'RESERVED_EVENTS',
      'RpcError',
      'SOCKET_PROTOCOL',
      'TimeoutError',
      'base64ToBytes',
      'decodeEnginePacket',
      'decodeOpenPacket',
      'encodeEnginePacket',
      'encodeOpenPacket',
      'encodePacket',
      'fromRemoteErrorPayload',
      'hasBinary',
      'isBinary',
      'toEmitwireError',
      'toRemoteErrorPayload',
    ];
    const exported = Object.keys(protocol);
    for (const name of required) expect(exported).toContain(name);
    for (const name of required) expect((protocol as Record<string, unknown>)[name]).toBeDefined();
  });

  it('has Socket.IO v5 constants', () => {
    expect(protocol.SOCKET_PROTOCOL).toBe(5);
    expect(protocol.MAIN_NAMESPACE).toBe('/');
  });
});
