/*
 * The Socket.IO and Engine.IO packet types the client uses, as plain module constants: a module
 * with no runtime imports lets bundlers inline them (the protocol's PacketType / EnginePacketType
 * objects would be bundled whole). Their types tie each value to the protocol's.
 */
import type { EnginePacketType, PacketType } from '@emitwire/protocol';

export const CONNECT: typeof PacketType.CONNECT = 0;
export const DISCONNECT: typeof PacketType.DISCONNECT = 1;
export const EVENT: typeof PacketType.EVENT = 2;
export const ACK: typeof PacketType.ACK = 3;

export const ENGINE_OPEN: typeof EnginePacketType.OPEN = 0;
export const ENGINE_CLOSE: typeof EnginePacketType.CLOSE = 1;
export const ENGINE_PING: typeof EnginePacketType.PING = 2;
export const ENGINE_MESSAGE: typeof EnginePacketType.MESSAGE = 4;

/** What the Manager tells its sockets about the connection (Socket#_in), beside the packets for them. */
export const SOCKET_OPEN = -1;
export const SOCKET_ERROR = -2;
export const SOCKET_CLOSE = -3;
